import { eq } from "drizzle-orm";
import { VisibleError } from "../error.js";
import { cropBox, type Detection, type ObjectDetector } from "../detector/index.js";
import type { Embedder, RgbImage } from "../embedder/index.js";
import * as Frame from "../frame/index.js";
import * as Job from "../job/index.js";
import * as Object_ from "../object/index.js";
import { encodeJpeg, probe, sampleFrames, type MediaInfo, type SampledFrame } from "../media/index.js";
import type { Services } from "../services.js";
import { bufferAhead } from "../util/buffer-ahead.js";
import { vectorId, type VectorIndex } from "../vector/vector-index.js";
import * as Video from "../video/index.js";

export interface IngestContext {
  jobId: string;
  tenantId: string;
  videoId: string;
  signal: AbortSignal;
}

/** The video went away while it was being processed: stop quietly, nothing to report. */
export class IngestCancelled extends Error {
  constructor(id: string) {
    super(`${id}: the video was deleted during processing`);
  }
}

const PROGRESS_EVERY_MS = 500;

/**
 * Turns a video into searchable frames: probe -> sampled decode -> thumbnails + embeddings ->
 * vector upsert -> frame rows + checkpoint. Batches commit in order; a batch at or before the
 * job's checkpoint is skipped, so a resumed job redoes at most one batch and, with
 * deterministic vector ids and upserts, never duplicates anything.
 */
export async function ingest(svc: Services, job: Job.JobRow, ctx: IngestContext): Promise<{ frames: number }> {
  const log = svc.log.child({ jobId: ctx.jobId, videoId: ctx.videoId });
  const video = await Video.find(svc, ctx.videoId);
  if (!video || video.status === "deleting") throw new IngestCancelled(ctx.videoId);
  await Video.setStatus(svc.db, video.id, { status: "processing", errorCode: null, errorMessage: null });

  const progress = job.progress;
  const source = await svc.blobs.source(video.blobKey);
  const started = Date.now();
  const info = await probe(source, { maxBytes: svc.settings.maxUploadBytes, maxDurationSec: svc.settings.maxDurationSec });
  await Video.setStatus(svc.db, video.id, { durationSec: info.durationSec, width: info.width, height: info.height, fps: info.fps, codec: info.codec });
  progress.stages.probe = 1;
  progress.stage = "sample";
  await Job.setProgress(svc.db, ctx.jobId, progress);
  log.info("probed", { stage: "probe", ms: Date.now() - started, durationSec: info.durationSec, width: info.width, height: info.height });

  if (job.checkpoint >= 0) log.info("resuming after the last committed frame", { attempt: job.attempts, checkpoint: job.checkpoint });
  const [embedder, detector] = await Promise.all([svc.embedder(), svc.detector?.()]);
  const index = await svc.vectors.index(embedder.model, embedder.dimension);
  const fraction = (sec: number) => (info.durationSec > 0 ? Math.min(1, sec / info.durationSec) : 1);

  let lastReport = 0;
  const report = async (force = false) => {
    if (!force && Date.now() - lastReport < PROGRESS_EVERY_MS) return;
    lastReport = Date.now();
    await Job.setProgress(svc.db, ctx.jobId, progress);
  };

  const frames = sampleFrames(source, info, { ...svc.settings.sampling, width: svc.settings.frameWidth, signal: ctx.signal });
  let batch: SampledFrame[] = [];
  let sampled = 0;
  for await (const frame of bufferAhead(frames, svc.settings.embedBatch * 2)) {
    sampled = frame.frameNo + 1;
    progress.frames.sampled = sampled;
    progress.stages.sample = fraction(frame.endSec);
    if (frame.frameNo <= job.checkpoint) continue; // committed by an earlier attempt
    batch.push(frame);
    if (batch.length >= svc.settings.embedBatch) {
      await commitBatch(svc, ctx, { embedder, detector, index, info, batch, progress, fraction });
      batch = [];
    }
    await report();
  }
  if (batch.length > 0) await commitBatch(svc, ctx, { embedder, detector, index, info, batch, progress, fraction });
  if (ctx.signal.aborted) throw new IngestCancelled(ctx.videoId);

  const count = await Frame.countForVideo(svc.db, ctx.videoId);
  const objects = await Object_.countForVideo(svc.db, ctx.videoId);
  progress.stage = "done";
  for (const stage of Job.STAGES) progress.stages[stage] = 1;
  progress.frames = { sampled: count, embedded: count, indexed: count, objects };
  await svc.db.transaction(async (tx) => {
    await Video.setStatus(tx, ctx.videoId, { status: "ready", frameCount: count, objectCount: objects });
    await Job.succeed(tx, ctx.jobId, progress);
  });
  log.info("ingested", { stage: "done", frames: count, objects, ms: Date.now() - started, realtime: info.durationSec / ((Date.now() - started) / 1000) });
  return { frames: count };
}

interface BatchWork {
  embedder: Embedder;
  detector: ObjectDetector | undefined;
  index: VectorIndex;
  info: MediaInfo;
  batch: SampledFrame[];
  progress: Job.JobProgress;
  fraction: (sec: number) => number;
}

/** One found object with its crop, before it is embedded and stored. */
interface FoundObject {
  frame: SampledFrame;
  k: number;
  detection: Detection;
  crop: RgbImage;
}

async function commitBatch(svc: Services, ctx: IngestContext, work: BatchWork): Promise<void> {
  const { batch, progress } = work;
  progress.stage = "embed";
  const images: RgbImage[] = batch.map((frame) => ({ data: frame.rgb, width: frame.width, height: frame.height }));
  // Embedding (onnxruntime), detection (its own worker thread) and thumbnails (sharp) overlap.
  const [vectors, detections] = await Promise.all([
    work.embedder.embedImages(images),
    work.detector ? work.detector.detect(images) : Promise.resolve(batch.map((): Detection[] => [])),
    Promise.all(
      batch.map(async (frame) =>
        svc.blobs.put(Frame.thumbnailKey(ctx.tenantId, ctx.videoId, frame.frameNo), await encodeJpeg(frame), { contentType: "image/jpeg" }),
      ),
    ),
  ]);
  const found: FoundObject[] = await Promise.all(
    batch.flatMap((frame, i) =>
      (detections[i] ?? []).map(async (detection, k) => ({ frame, k, detection, crop: await cropBox(images[i]!, detection.box) })),
    ),
  );
  const [objectVectors] = await Promise.all([
    found.length > 0 ? work.embedder.embedImages(found.map((object) => object.crop)) : Promise.resolve([]),
    Promise.all(
      found.map(async (object) =>
        svc.blobs.put(Object_.cropKey(ctx.tenantId, ctx.videoId, object.frame.frameNo, object.k), await encodeJpeg({ rgb: Buffer.from(object.crop.data), width: object.crop.width, height: object.crop.height }, { width: Math.min(320, object.crop.width) }), {
          contentType: "image/jpeg",
        }),
      ),
    ),
  ]);
  const last = batch[batch.length - 1]!;
  progress.frames.embedded = last.frameNo + 1;
  progress.frames.objects += found.length;
  progress.stages.embed = work.fraction(last.endSec);

  // Checked before writing vectors, so a video deleted meanwhile gets no new ones.
  const current = await Video.find(svc, ctx.videoId);
  if (!current || current.status === "deleting" || ctx.signal.aborted) throw new IngestCancelled(ctx.videoId);

  progress.stage = "index";
  await work.index.upsert(ctx.tenantId, [
    ...batch.map((frame, i) => ({
      id: vectorId.frame(ctx.videoId, frame.frameNo),
      values: vectors[i]!,
      metadata: { videoId: ctx.videoId, kind: "frame" as const, timeSec: frame.timeSec, frameNo: frame.frameNo },
    })),
    ...found.map((object, i) => ({
      id: vectorId.object(ctx.videoId, object.frame.frameNo, object.k),
      values: objectVectors[i]!,
      metadata: {
        videoId: ctx.videoId,
        kind: "object" as const,
        timeSec: object.frame.timeSec,
        frameNo: object.frame.frameNo,
        label: object.detection.label,
        score: object.detection.score,
        box: object.detection.box,
      },
    })),
  ]);
  progress.frames.indexed = last.frameNo + 1;
  progress.stages.index = work.fraction(last.endSec);
  await svc.db.transaction(async (tx) => {
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
      })),
    );
    await Job.checkpoint(tx, ctx.jobId, last.frameNo, progress);
    await tx.update(Video.videoTable).set({ frameCount: last.frameNo + 1, updatedAt: new Date() }).where(eq(Video.videoTable.id, ctx.videoId));
  });
  svc.log.debug("batch committed", { jobId: ctx.jobId, videoId: ctx.videoId, stage: "index", checkpoint: last.frameNo, frames: batch.length, objects: found.length });
}

/**
 * Ends a job that will not be retried: the video shows why, and everything made from it so far
 * (vectors, thumbnails, frame rows) is removed. The uploaded file goes too when the input itself
 * is bad; otherwise it stays, so the job can be retried.
 */
export async function failPermanently(svc: Services, ctx: Omit<IngestContext, "signal">, error: { code: string; message: string; badInput: boolean }): Promise<void> {
  await svc.vectors.deleteByPrefix(ctx.tenantId, vectorId.videoPrefix(ctx.videoId));
  await svc.blobs.deletePrefix(`${Video.videoPrefix(ctx.tenantId, ctx.videoId)}frames/`);
  await svc.blobs.deletePrefix(`${Video.videoPrefix(ctx.tenantId, ctx.videoId)}objects/`);
  const video = await Video.find(svc, ctx.videoId);
  if (video && error.badInput) await svc.blobs.delete(video.blobKey);
  await svc.db.transaction(async (tx) => {
    await tx.delete(Frame.frameTable).where(eq(Frame.frameTable.videoId, ctx.videoId));
    await tx.delete(Object_.objectTable).where(eq(Object_.objectTable.videoId, ctx.videoId));
    if (video) await Video.setStatus(tx, ctx.videoId, { status: "failed", frameCount: 0, objectCount: 0, errorCode: error.code, errorMessage: error.message });
    await Job.fail(tx, ctx.jobId, `${error.code}: ${error.message}`);
  });
  svc.log.warn("job failed", { jobId: ctx.jobId, videoId: ctx.videoId, code: error.code, reason: error.message });
}

export function describeFailure(error: unknown): { code: string; message: string; permanent: boolean; badInput: boolean } {
  if (error instanceof VisibleError) {
    return { code: error.code, message: error.message, permanent: error.permanent, badInput: error.permanent && error.code.startsWith("media.") };
  }
  return { code: "pipeline.error", message: error instanceof Error ? error.message : String(error), permanent: false, badInput: false };
}
