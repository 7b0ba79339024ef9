import * as Frame from "../frame/index.js";
import * as Job from "../job/index.js";
import * as Library from "../library/index.js";
import * as Object_ from "../object/index.js";
import { EmbedPlan } from "../object/embed-plan.js";
import { Tracker } from "../object/tracker.js";
import { resumeTracks } from "../object/tracks.js";
import { probe, sampleFrames, type MediaInfo, type SampledFrame, type SampleFramesOptions } from "../media/index.js";
import type { Services } from "../services.js";
import { Channel, StageClock } from "../util/channel.js";
import { vectorId } from "../vector/vector-index.js";
import * as Video from "../video/index.js";
import { failSegment, finishRun, partOf, planRun } from "./segment-run.js";
import { SEGMENT_FRAME_STRIDE } from "./segments.js";
import { commitBatch, inferBatch, writeImages, type Inferred, type PipelineWork } from "./stages.js";

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
/** Batches buffered between two stages: enough to keep every stage busy, bounded for memory. */
const QUEUE_BATCHES = 2;

/** What the pipeline measured: per-stage busy time shows where the time goes. */
export interface IngestStats {
  wallMs: number;
  /** Busy (not waiting) time of each concurrent stage: decode, infer, write, commit. */
  stageBusyMs: Record<string, number>;
  /** Busy time of the work inside the stages: embed, detect, crop, thumbnails, upsert, db. */
  workBusyMs: Record<string, number>;
  frames: number;
  objects: number;
}

/**
 * Turns a video into searchable frames and objects. Four stages run at once, joined by bounded
 * queues so memory stays flat for any video length:
 *   decode  (ffmpeg sampling, batched)
 *   infer   (CLIP on frames while the detector runs in its worker thread, then CLIP on crops)
 *   write   (thumbnails and crops as JPEG)
 *   commit  (vector upsert, then frame and object rows with the checkpoint in one transaction)
 * Batches commit in order; a batch at or before the job's checkpoint is skipped, so a resumed
 * job redoes at most the batches in flight and, with deterministic vector ids and upserts,
 * never duplicates anything.
 */
export async function ingest(svc: Services, job: Job.JobRow, ctx: IngestContext): Promise<{ frames: number; objects: number; stats: IngestStats }> {
  const log = svc.log.child({ jobId: ctx.jobId, videoId: ctx.videoId });
  const video = await Video.find(svc, ctx.videoId);
  if (!video || video.status === "deleting") throw new IngestCancelled(ctx.videoId);
  await Video.markProcessing(svc.db, video.id);

  const progress = job.progress;
  const source = await svc.blobs.source(video.blobKey);
  const started = performance.now();
  const { maxUploadBytes, maxDurationSec, media } = svc.settings;
  const info = await probe(source, { maxBytes: maxUploadBytes, maxDurationSec, ...(media ? { policy: media } : {}) });
  await Video.setStatus(svc.db, video.id, { durationSec: info.durationSec, width: info.width, height: info.height, fps: info.fps, codec: info.codec });
  progress.stages.probe = 1;
  progress.stage = "sample";
  await Job.setProgress(svc.db, ctx.jobId, progress);
  log.info("probed", { stage: "probe", ms: Math.round(performance.now() - started), durationSec: info.durationSec, width: info.width, height: info.height });

  // The run's first job splits a long video into segments once the probe gave its length.
  if (job.segment === 0 && job.startSec === null) job = await planRun(svc, job, info, log);
  const part = partOf(job, info, svc.settings.sampling.maxGapSec);
  if (job.checkpoint >= 0) log.info("resuming after the last committed frame", { attempt: job.attempts, checkpoint: job.checkpoint });
  // The library's model (library/models.ts), recorded on the video before its first vector.
  const [embedder, detector] = await Promise.all([Library.videoEmbedder(svc, ctx.tenantId, ctx.videoId), svc.detector?.()]);
  const index = await svc.vectors.index(embedder.identity, embedder.dimension);
  // Tracks run within a part: a resumed attempt picks up the ones its last committed frames left open.
  const tracker = new Tracker(ctx.videoId);
  const embedPlan = new EmbedPlan(svc.settings.trackEmbedSec);
  if (detector) await resumeTracks(svc.db, tracker, embedPlan, ctx.videoId, { from: part.firstFrameNo, through: job.checkpoint });
  const work: PipelineWork = {
    embedder,
    detector,
    index,
    tracker,
    embedPlan,
    progress,
    fraction: (sec: number) => (part.spanSec > 0 ? Math.min(1, Math.max(0, sec - part.startSec) / part.spanSec) : 1),
    firstFrameNo: part.firstFrameNo,
    stages: new StageClock(),
    parts: new StageClock(),
  };
  const pipelineStarted = performance.now();
  await runStages(svc, ctx, job, info, source, work, part.range);

  const numbers = { from: part.firstFrameNo, to: part.firstFrameNo + SEGMENT_FRAME_STRIDE };
  const count = await Frame.countForVideo(svc.db, ctx.videoId, numbers);
  const objects = await Object_.countForVideo(svc.db, ctx.videoId, numbers);
  progress.stage = "done";
  for (const stage of Job.STAGES) progress.stages[stage] = 1;
  progress.frames = { sampled: count, embedded: count, indexed: count, objects };
  const run = await svc.db.transaction(async (tx) => {
    await Job.succeed(tx, ctx.jobId, progress);
    return finishRun(tx, ctx.videoId, job.runId);
  });
  const stats: IngestStats = {
    wallMs: performance.now() - pipelineStarted,
    stageBusyMs: work.stages.busyMs,
    workBusyMs: work.parts.busyMs,
    frames: count,
    objects,
  };
  const seconds = (performance.now() - started) / 1000;
  log.info(run.ready ? "ingested" : "segment ingested", {
    stage: "done",
    frames: count,
    objects,
    ms: Math.round(seconds * 1000),
    realtime: part.spanSec / seconds,
    busyMs: roundAll(stats.stageBusyMs),
    ...(run.segments > 1 ? { segment: job.segment, segments: run.segments, segmentsLeft: run.left } : {}),
  });
  // A library moving to another model may have waited for this video (reindex-run.ts).
  if (run.ready) await Library.settle(svc, ctx.tenantId);
  return { frames: count, objects, stats };
}

const roundAll = (values: Record<string, number>) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Math.round(v)]));

async function runStages(
  svc: Services,
  ctx: IngestContext,
  job: Job.JobRow,
  info: MediaInfo,
  source: string,
  work: PipelineWork,
  range: SampleFramesOptions["range"],
): Promise<void> {
  const toInfer = new Channel<SampledFrame[]>(QUEUE_BATCHES);
  const toWrite = new Channel<Inferred>(QUEUE_BATCHES);
  const toCommit = new Channel<Inferred>(QUEUE_BATCHES);
  const channels = [toInfer, toWrite, toCommit];
  const { stages, parts, progress } = work;
  let lastReport = 0;

  // Each stage drains its input, then closes its output; a failure fails every channel.
  const stage = (name: string, body: () => Promise<void>, output?: Channel<unknown>) =>
    body().then(
      () => output?.close(),
      (error: unknown) => {
        for (const channel of channels) channel.fail(error);
        throw error;
      },
    );

  const decode = stage(
    "decode",
    async () => {
      const frames = sampleFrames(source, info, { ...svc.settings.sampling, width: svc.settings.frameWidth, signal: ctx.signal, range })[Symbol.asyncIterator]();
      let batch: SampledFrame[] = [];
      try {
        for (;;) {
          const next = await stages.time("decode", () => frames.next());
          if (next.done) break;
          const frame = next.value;
          progress.frames.sampled = frame.frameNo - work.firstFrameNo + 1;
          progress.stages.sample = work.fraction(frame.endSec);
          if (frame.frameNo <= job.checkpoint) continue; // committed by an earlier attempt
          batch.push(frame);
          // Full batches when inference is the bottleneck; whatever is ready when it waits (at the
          // start, or when decoding is slower), so it never idles while frames are decoded.
          if (batch.length >= svc.settings.embedBatch || toInfer.starving) {
            await toInfer.push(batch);
            batch = [];
          }
        }
        if (batch.length > 0) await toInfer.push(batch);
      } finally {
        await frames.return?.(undefined); // stops ffmpeg when a later stage failed
      }
    },
    toInfer as Channel<unknown>,
  );

  const infer = stage(
    "infer",
    async () => {
      for await (const batch of toInfer) {
        await toWrite.push(await stages.time("infer", () => inferBatch(batch, work)));
      }
    },
    toWrite as Channel<unknown>,
  );

  const write = stage(
    "write",
    async () => {
      for await (const item of toWrite) {
        await stages.time("write", () => parts.time("thumbnails", () => writeImages(svc, ctx, item)));
        await toCommit.push(item);
      }
    },
    toCommit as Channel<unknown>,
  );

  const commit = stage("commit", async () => {
    for await (const item of toCommit) {
      await stages.time("commit", async () => {
        // Checked before writing vectors, so a video deleted meanwhile gets no new ones.
        const current = await Video.find(svc, ctx.videoId);
        if (!current || current.status === "deleting" || ctx.signal.aborted) throw new IngestCancelled(ctx.videoId);
        await commitBatch(svc, ctx, item, work);
      });
      if (Date.now() - lastReport >= PROGRESS_EVERY_MS) {
        lastReport = Date.now();
        await Job.setProgress(svc.db, ctx.jobId, progress);
      }
    }
  });

  const results = await Promise.allSettled([decode, infer, write, commit]);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) throw failed.reason;
  if (ctx.signal.aborted) throw new IngestCancelled(ctx.videoId);
}

/**
 * Ends a job that will not be retried: the video shows why, and everything made from it so far
 * (vectors, thumbnails, frame rows) is removed. The uploaded file goes too when the input itself
 * is bad; otherwise it stays, so the job can be retried. A re-index job only fails itself.
 */
export async function failPermanently(svc: Services, ctx: Omit<IngestContext, "signal">, error: Pick<Job.Failure, "code" | "message" | "badInput">): Promise<void> {
  const job = await Job.get(svc.db, ctx.jobId);
  if (job?.kind === "reindex") {
    // The video stays as it is, searchable with its model; the failed job holds the library's switch until the re-index is resumed.
    await Job.fail(svc.db, job.id, error);
    svc.log.warn("re-index job failed", { jobId: job.id, videoId: job.videoId, code: error.code, reason: error.message });
    return;
  }
  if (job && (job.segment > 0 || job.endSec !== null)) return failSegment(svc, job, error);
  await svc.vectors.deleteByPrefix(ctx.tenantId, vectorId.videoPrefix(ctx.videoId));
  await svc.blobs.deletePrefix(`${Video.videoPrefix(ctx.tenantId, ctx.videoId)}frames/`);
  await svc.blobs.deletePrefix(`${Video.videoPrefix(ctx.tenantId, ctx.videoId)}objects/`);
  const video = await Video.find(svc, ctx.videoId);
  if (video && error.badInput) await svc.blobs.delete(video.blobKey);
  await svc.db.transaction(async (tx) => {
    await Frame.removeForVideo(tx, ctx.videoId);
    await Object_.removeForVideo(tx, ctx.videoId);
    // Nothing of it is left in any vector set: a retry indexes it with the library's model then.
    if (video) await Video.setStatus(tx, ctx.videoId, { status: "failed", frameCount: 0, objectCount: 0, errorCode: error.code, errorMessage: error.message, modelKey: null, modelName: null });
    await Job.fail(tx, ctx.jobId, error);
  });
  svc.log.warn("job failed", { jobId: ctx.jobId, videoId: ctx.videoId, code: error.code, reason: error.message });
}
