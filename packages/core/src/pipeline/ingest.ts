import { eq } from "drizzle-orm";
import { VisibleError } from "../error.js";
import type { Embedder } from "../embedder/index.js";
import * as Frame from "../frame/index.js";
import * as Job from "../job/index.js";
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
  const embedder = await svc.embedder();
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
      await commitBatch(svc, ctx, { embedder, index, info, batch, progress, fraction });
      batch = [];
    }
    await report();
  }
  if (batch.length > 0) await commitBatch(svc, ctx, { embedder, index, info, batch, progress, fraction });
  if (ctx.signal.aborted) throw new IngestCancelled(ctx.videoId);

  const count = await Frame.countForVideo(svc.db, ctx.videoId);
  progress.stage = "done";
  for (const stage of Job.STAGES) progress.stages[stage] = 1;
  progress.frames = { sampled: count, embedded: count, indexed: count };
  await svc.db.transaction(async (tx) => {
    await Video.setStatus(tx, ctx.videoId, { status: "ready", frameCount: count });
    await Job.succeed(tx, ctx.jobId, progress);
  });
  log.info("ingested", { stage: "done", frames: count, ms: Date.now() - started, realtime: info.durationSec / ((Date.now() - started) / 1000) });
  return { frames: count };
}

async function commitBatch(
  svc: Services,
  ctx: IngestContext,
  work: { embedder: Embedder; index: VectorIndex; info: MediaInfo; batch: SampledFrame[]; progress: Job.JobProgress; fraction: (sec: number) => number },
): Promise<void> {
  const { batch, progress } = work;
  progress.stage = "embed";
  // Thumbnails are written while the model runs: sharp and onnxruntime use native threads.
  const [vectors] = await Promise.all([
    work.embedder.embedImages(batch.map((frame) => ({ data: frame.rgb, width: frame.width, height: frame.height }))),
    Promise.all(
      batch.map(async (frame) =>
        svc.blobs.put(Frame.thumbnailKey(ctx.tenantId, ctx.videoId, frame.frameNo), await encodeJpeg(frame), { contentType: "image/jpeg" }),
      ),
    ),
  ]);
  const last = batch[batch.length - 1]!;
  progress.frames.embedded = last.frameNo + 1;
  progress.stages.embed = work.fraction(last.endSec);

  // Checked before writing vectors, so a video deleted meanwhile gets no new ones.
  const current = await Video.find(svc, ctx.videoId);
  if (!current || current.status === "deleting" || ctx.signal.aborted) throw new IngestCancelled(ctx.videoId);

  progress.stage = "index";
  await work.index.upsert(
    ctx.tenantId,
    batch.map((frame, i) => ({
      id: vectorId.frame(ctx.videoId, frame.frameNo),
      values: vectors[i]!,
      metadata: { videoId: ctx.videoId, kind: "frame", timeSec: frame.timeSec, frameNo: frame.frameNo },
    })),
  );
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
    await Job.checkpoint(tx, ctx.jobId, last.frameNo, progress);
    await tx.update(Video.videoTable).set({ frameCount: last.frameNo + 1, updatedAt: new Date() }).where(eq(Video.videoTable.id, ctx.videoId));
  });
  svc.log.debug("batch committed", { jobId: ctx.jobId, videoId: ctx.videoId, stage: "index", checkpoint: last.frameNo, frames: batch.length });
}

/**
 * Ends a job that will not be retried: the video shows why, and everything made from it so far
 * (vectors, thumbnails, frame rows) is removed. The uploaded file goes too when the input itself
 * is bad; otherwise it stays, so the job can be retried.
 */
export async function failPermanently(svc: Services, ctx: Omit<IngestContext, "signal">, error: { code: string; message: string; badInput: boolean }): Promise<void> {
  await svc.vectors.deleteByPrefix(ctx.tenantId, vectorId.videoPrefix(ctx.videoId));
  await svc.blobs.deletePrefix(`${Video.videoPrefix(ctx.tenantId, ctx.videoId)}frames/`);
  const video = await Video.find(svc, ctx.videoId);
  if (video && error.badInput) await svc.blobs.delete(video.blobKey);
  await svc.db.transaction(async (tx) => {
    await tx.delete(Frame.frameTable).where(eq(Frame.frameTable.videoId, ctx.videoId));
    if (video) await Video.setStatus(tx, ctx.videoId, { status: "failed", frameCount: 0, errorCode: error.code, errorMessage: error.message });
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
