/**
 * One video's vectors made again with another model, from what ingest stored: each frame from its
 * thumbnail, each embedded object from its crop. Nothing is decoded from the video and nothing is
 * detected again: the frame and object rows stay as they are, and the new vectors get the same
 * ids and metadata in the new model's vector set, so a repeated or resumed run overwrites rather
 * than duplicates, and the old model's set is left untouched (it keeps answering searches).
 *
 * The stored images are small (thumbnails 320 px wide, crops at most 320 px): for a model whose
 * input is larger than an image's short side, the image is enlarged to it, as CLIP's
 * preprocessing does with any small picture. `inputSize` and `smallImages` say how often.
 */
import { buffer } from "node:stream/consumers";
import type { Embedder, RgbImage } from "../embedder/types.js";
import * as Frame from "../frame/index.js";
import * as Objects from "../object/index.js";
import type { Services } from "../services.js";
import { loadSharp } from "../util/sharp.js";
import { vectorEntry, type VectorRecord } from "../vector/vector-index.js";

export interface ReindexedVideo {
  frames: number;
  objects: number;
  /** Stored images whose short side is below the model's input size (enlarged to it). */
  smallImages: number;
}

export interface ReindexVideoOptions {
  /** The model's input size (its image processor's crop), to count images below it. */
  inputSize?: number;
  /** Images embedded per call and vectors per upsert; default 16. */
  batchSize?: number;
  signal?: AbortSignal;
  /** Items (frames, then objects, in a fixed order) an earlier attempt finished: not done again. */
  skip?: number;
  /** Before each batch's vectors are written: throws to stop (the video was deleted meanwhile). */
  beforeWrite?(): Promise<void>;
  /** After each batch is written: how many of the video's frames and objects are done (awaited: a checkpoint). */
  onProgress?(done: ReindexProgress): void | Promise<void>;
}

export interface ReindexProgress {
  frames: number;
  objects: number;
  totalFrames: number;
  totalObjects: number;
  /** Of the images done by this call, those below `inputSize`. */
  smallImages: number;
}

interface Item {
  key: string;
  record: Omit<VectorRecord, "values">;
}

export async function reindexVideo(svc: Services, tenantId: string, videoId: string, embedder: Embedder, options: ReindexVideoOptions = {}): Promise<ReindexedVideo> {
  const index = await svc.vectors.index(embedder.identity, embedder.dimension);
  const frames = (await Frame.listForVideo(svc.db, videoId)).filter((frame) => frame.tenantId === tenantId);
  const objects = (await Objects.listForVideo(svc.db, tenantId, videoId)).filter((object) => object.embedded);
  const items: Item[] = [
    ...frames.map((frame) => ({ key: frame.thumbnailKey, record: vectorEntry.frame(videoId, frame) })),
    ...objects.map((object) => ({
      key: object.cropKey,
      record: vectorEntry.object(videoId, { ...object, box: { x: object.boxX, y: object.boxY, w: object.boxW, h: object.boxH } }),
    })),
  ];
  const batchSize = Math.max(1, options.batchSize ?? 16);
  const skip = Math.min(items.length, Math.max(0, options.skip ?? 0));
  const done: ReindexProgress = { frames: 0, objects: 0, totalFrames: frames.length, totalObjects: objects.length, smallImages: 0 };
  for (const item of items.slice(0, skip)) done[item.record.metadata.kind === "frame" ? "frames" : "objects"]++;
  for (let start = skip; start < items.length; start += batchSize) {
    options.signal?.throwIfAborted();
    const batch = items.slice(start, start + batchSize);
    const images = await Promise.all(batch.map((item) => decodeStored(svc, item.key)));
    if (options.inputSize) done.smallImages += images.filter((image) => Math.min(image.width, image.height) < options.inputSize!).length;
    const vectors = await embedder.embedImages(images);
    await options.beforeWrite?.();
    await index.upsert(
      tenantId,
      batch.map((item, i) => ({ ...item.record, values: vectors[i]! })),
    );
    for (const item of batch) done[item.record.metadata.kind === "frame" ? "frames" : "objects"]++;
    await options.onProgress?.({ ...done });
  }
  return { frames: done.frames, objects: done.objects, smallImages: done.smallImages };
}

/** A stored JPEG (thumbnail or crop) as packed rgb24. */
async function decodeStored(svc: Services, key: string): Promise<RgbImage> {
  const bytes = await buffer(await svc.blobs.get(key));
  const sharp = await loadSharp();
  const { data, info } = await sharp(bytes).removeAlpha().toColourspace("srgb").raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}
