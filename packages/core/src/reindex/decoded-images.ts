/**
 * A video's frames decoded again, for a re-index whose model takes larger images than the stored
 * thumbnails: one ffmpeg pass with the sampling settings ingest used gives the same frames at the
 * same timestamps, at the decode width (VOS_FRAME_WIDTH), and each object's crop is cut from its
 * frame by its box exactly as ingest cut it, so the new model sees what it would have seen at
 * ingest. Nothing is detected again.
 *
 * Items are asked for in time order (a frame, then its objects); the pass moves forward only. An
 * item whose frame the pass does not give (the sampling settings changed since ingest) gets
 * undefined, and the caller uses its stored image.
 */
import type { Box } from "../detector/types.js";
import { cropBox } from "../detector/crop.js";
import type { RgbImage } from "../embedder/types.js";
import { probe, sampleFrames, type SampledFrame } from "../media/index.js";
import type { Services } from "../services.js";

/** Timestamps are stored as doubles from ffmpeg's microseconds: the same frame agrees to well within this. */
const SAME_FRAME_SEC = 0.0005;

export interface DecodedImages {
  /** The image of the frame at `timeSec`, or of the object `box` in it; undefined when the pass has no such frame. */
  imageAt(timeSec: number, box?: Box): Promise<RgbImage | undefined>;
  /** Stops ffmpeg (at once when the run stops early). */
  close(): Promise<void>;
}

export async function decodedImages(svc: Services, blobKey: string, signal?: AbortSignal): Promise<DecodedImages> {
  const source = await svc.blobs.source(blobKey);
  const info = await probe(source, { maxBytes: svc.settings.maxUploadBytes, maxDurationSec: svc.settings.maxDurationSec });
  const frames = sampleFrames(source, info, { ...svc.settings.sampling, width: svc.settings.frameWidth, signal })[Symbol.asyncIterator]();
  let current: SampledFrame | undefined;
  let ended = false;
  return {
    async imageAt(timeSec, box) {
      while (!ended && (!current || current.timeSec < timeSec - SAME_FRAME_SEC)) {
        const next = await frames.next();
        if (next.done) ended = true;
        else current = next.value;
      }
      if (!current || Math.abs(current.timeSec - timeSec) > SAME_FRAME_SEC) return undefined;
      const frame: RgbImage = { data: new Uint8Array(current.rgb.buffer, current.rgb.byteOffset, current.rgb.byteLength), width: current.width, height: current.height };
      return box ? cropBox(frame, box) : frame;
    },
    async close() {
      await frames.return?.();
    },
  };
}
