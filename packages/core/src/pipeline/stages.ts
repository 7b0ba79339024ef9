/**
 * What ingest's stages do to one batch of sampled frames: infer (CLIP and the detector), write
 * (thumbnails and crops), commit (vectors, then rows and the checkpoint). ingest.ts runs them
 * concurrently and decides when to stop.
 */
import { cropBox, type Detection, type ObjectDetector } from "../detector/index.js";
import type { Embedder, RgbImage } from "../embedder/index.js";
import * as Frame from "../frame/index.js";
import * as Job from "../job/index.js";
import * as Object_ from "../object/index.js";
import type { EmbedPlan } from "../object/embed-plan.js";
import type { Tracker } from "../object/tracker.js";
import { encodeJpeg, type SampledFrame } from "../media/index.js";
import type { Services } from "../services.js";
import type { StageClock } from "../util/channel.js";
import { vectorEntry, type VectorIndex } from "../vector/vector-index.js";
import * as Video from "../video/index.js";

/** The job and video a batch belongs to. */
export interface BatchOwner {
  jobId: string;
  tenantId: string;
  videoId: string;
}

/** What the work on every batch shares: the models, the index, the job's progress, the clocks. */
export interface PipelineWork {
  embedder: Embedder;
  detector: ObjectDetector | undefined;
  index: VectorIndex;
  /** Joins the objects of consecutive frames into tracks; batches reach it in frame order. */
  tracker: Tracker;
  /** Which of a track's crops are embedded. */
  embedPlan: EmbedPlan;
  progress: Job.JobProgress;
  /** How far into the job's part of the video a time is, 0-1. */
  fraction: (sec: number) => number;
  /** The number of the job's first frame (a segment's frames are numbered from its stride). */
  firstFrameNo: number;
  /** Busy time of each concurrent stage. */
  stages: StageClock;
  /** Busy time of each kind of work inside the stages. */
  parts: StageClock;
}

/** One found object with its crop, before it is embedded and stored. */
interface FoundObject {
  frame: SampledFrame;
  k: number;
  detection: Detection;
  trackId: string;
  /** Its crop is embedded (else it stands for its track through an embedded one). */
  embedded: boolean;
  crop: RgbImage;
}

export interface Inferred {
  batch: SampledFrame[];
  vectors: Float32Array[];
  found: FoundObject[];
  /** The vectors of the embedded objects of `found`, in their order. */
  objectVectors: Float32Array[];
}

/** CLIP on the frames while the detector runs on them, then CLIP on the objects' crops. */
export async function inferBatch(batch: SampledFrame[], work: PipelineWork): Promise<Inferred> {
  const { parts, progress } = work;
  const images: RgbImage[] = batch.map((frame) => ({ data: frame.rgb, width: frame.width, height: frame.height }));
  const [vectors, detections] = await Promise.all([
    parts.time("embed", () => work.embedder.embedImages(images)),
    work.detector ? parts.time("detect", () => work.detector!.detect(images)) : Promise.resolve(batch.map((): Detection[] => [])),
  ]);
  const plan = batch.map((frame, i) => {
    const frameDetections = detections[i] ?? [];
    const tracks = work.tracker.assign({ frameNo: frame.frameNo, timeSec: frame.timeSec, cut: frame.reason === "scene" }, frameDetections);
    const embedded = frameDetections.map((detection, k) => work.embedPlan.decide(tracks[k]!, { timeSec: frame.timeSec, box: detection.box, score: detection.score }));
    work.embedPlan.keepOnly(work.tracker.openIds());
    return { tracks, embedded };
  });
  const found: FoundObject[] = await parts.time("crop", () =>
    Promise.all(
      batch.flatMap((frame, i) =>
        (detections[i] ?? []).map(async (detection, k) => ({ frame, k, detection, trackId: plan[i]!.tracks[k]!, embedded: plan[i]!.embedded[k]!, crop: await cropBox(images[i]!, detection.box) })),
      ),
    ),
  );
  const toEmbed = found.filter((object) => object.embedded);
  const objectVectors = toEmbed.length > 0 ? await parts.time("embed", () => work.embedder.embedImages(toEmbed.map((object) => object.crop))) : [];
  const last = batch[batch.length - 1]!;
  progress.stage = "embed";
  progress.frames.embedded = last.frameNo - work.firstFrameNo + 1;
  progress.frames.objects += found.length;
  progress.stages.embed = work.fraction(last.endSec);
  return { batch, vectors, found, objectVectors };
}

/** Thumbnails and crops go to the blob store before any row points at them. */
export async function writeImages(svc: Services, ctx: BatchOwner, item: Inferred): Promise<void> {
  await Promise.all([
    ...item.batch.map(async (frame) =>
      svc.blobs.put(Frame.thumbnailKey(ctx.tenantId, ctx.videoId, frame.frameNo), await encodeJpeg(frame), { contentType: "image/jpeg" }),
    ),
    ...item.found.map(async (object) =>
      svc.blobs.put(
        Object_.cropKey(ctx.tenantId, ctx.videoId, object.frame.frameNo, object.k),
        await encodeJpeg({ rgb: Buffer.from(object.crop.data.buffer, object.crop.data.byteOffset, object.crop.data.byteLength), width: object.crop.width, height: object.crop.height }, { width: Math.min(320, object.crop.width) }),
        { contentType: "image/jpeg" },
      ),
    ),
  ]);
}

/** Upserts the vectors, then writes the frame and object rows and the checkpoint in one transaction. */
export async function commitBatch(svc: Services, ctx: BatchOwner, item: Inferred, work: PipelineWork): Promise<void> {
  const { batch, vectors, found, objectVectors } = item;
  const { progress, parts } = work;
  progress.stage = "index";
  await parts.time("upsert", () =>
    work.index.upsert(ctx.tenantId, [
      ...batch.map((frame, i) => ({ ...vectorEntry.frame(ctx.videoId, frame), values: vectors[i]! })),
      ...found
        .filter((object) => object.embedded)
        .map((object, i) => ({
          ...vectorEntry.object(ctx.videoId, { frameNo: object.frame.frameNo, k: object.k, timeSec: object.frame.timeSec, label: object.detection.label, score: object.detection.score, box: object.detection.box }),
          values: objectVectors[i]!,
        })),
    ]),
  );
  const last = batch[batch.length - 1]!;
  progress.frames.indexed = last.frameNo - work.firstFrameNo + 1;
  progress.stages.index = work.fraction(last.endSec);
  await parts.time("db", () =>
    svc.db.transaction(async (tx) => {
      await Frame.upsertMany(
        tx,
        batch.map((frame) => ({
          videoId: ctx.videoId,
          frameNo: frame.frameNo,
          tenantId: ctx.tenantId,
          timeSec: frame.timeSec,
          endSec: frame.endSec,
          reason: frame.reason,
          thumbnailKey: Frame.thumbnailKey(ctx.tenantId, ctx.videoId, frame.frameNo),
        })),
      );
      await Object_.replaceForFrames(
        tx,
        ctx.videoId,
        batch.map((frame) => frame.frameNo),
        found.map((object) => ({
          videoId: ctx.videoId,
          frameNo: object.frame.frameNo,
          k: object.k,
          tenantId: ctx.tenantId,
          timeSec: object.frame.timeSec,
          endSec: object.frame.endSec,
          label: object.detection.label,
          score: object.detection.score,
          boxX: object.detection.box.x,
          boxY: object.detection.box.y,
          boxW: object.detection.box.w,
          boxH: object.detection.box.h,
          cropKey: Object_.cropKey(ctx.tenantId, ctx.videoId, object.frame.frameNo, object.k),
          trackId: object.trackId,
          embedded: object.embedded,
        })),
      );
      await Job.checkpoint(tx, ctx.jobId, last.frameNo, progress);
      await Video.recount(tx, ctx.videoId);
    }),
  );
  svc.log.debug("batch committed", { jobId: ctx.jobId, videoId: ctx.videoId, stage: "index", checkpoint: last.frameNo, frames: batch.length, objects: found.length });
}
