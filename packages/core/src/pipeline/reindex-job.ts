/**
 * One attempt at a re-index job (library/reindex-run.ts): a ready video's frames and objects
 * embedded again with the run's target model, from their stored images or the video decoded again
 * (reindex/reindex-video.ts says which). The job's checkpoint counts the items whose vectors are
 * written (each frame, then its objects, in a fixed order), so a resumed attempt starts after
 * them; the vectors' ids are the video's own, so a redone batch overwrites.
 */
import { VisibleError } from "../error.js";
import * as Job from "../job/index.js";
import * as Library from "../library/index.js";
import { reindexVideo, type ReindexProgress } from "../reindex/index.js";
import type { Services } from "../services.js";
import * as Video from "../video/index.js";
import { IngestCancelled, type IngestContext } from "./ingest.js";

/** A re-index job's progress in the shape every job has: the embed and index stages, frames and objects done. */
function progressOf(done: ReindexProgress, enlarged: number): Job.JobProgress {
  const { source } = done;
  const total = done.totalFrames + done.totalObjects;
  const fraction = total === 0 ? 1 : (done.frames + done.objects) / total;
  const finished = fraction >= 1;
  return {
    stage: finished ? "done" : "embed",
    stages: { probe: 1, sample: 1, embed: fraction, index: fraction },
    frames: { sampled: done.totalFrames, embedded: done.frames, indexed: done.frames, objects: done.objects },
    reindex: { frames: done.totalFrames, objects: done.totalObjects, enlarged, source },
  };
}

export async function reindexJob(svc: Services, job: Job.JobRow, ctx: IngestContext): Promise<{ frames: number; objects: number }> {
  const log = svc.log.child({ jobId: ctx.jobId, videoId: ctx.videoId });
  const lib = await Library.library(svc.db, ctx.tenantId);
  if (!lib?.targetKey || lib.reindexRunId !== job.runId) {
    throw new VisibleError("reindex.over", "the re-index this job belongs to is no longer running", 409);
  }
  const gone = async () => {
    const video = await Video.find(svc, ctx.videoId);
    if (!video || video.status === "deleting" || ctx.signal.aborted) throw new IngestCancelled(ctx.videoId);
  };
  await gone();
  const embedder = await Library.loadModel(svc, lib.targetKey);
  if (job.checkpoint >= 0) log.info("resuming the re-index after its last written batch", { attempt: job.attempts, done: job.checkpoint + 1 });
  // Stored images smaller than the model's input, counted across attempts.
  const enlargedBefore = job.progress.reindex?.enlarged ?? 0;
  const result = await reindexVideo(svc, ctx.tenantId, ctx.videoId, embedder, {
    skip: job.checkpoint + 1,
    inputSize: embedder.inputSize,
    batchSize: svc.settings.embedBatch,
    signal: ctx.signal,
    beforeWrite: gone,
    // Every batch (a second or so of embedding) moves the checkpoint: a resumed attempt redoes at most one.
    onProgress: (done) => Job.checkpoint(svc.db, ctx.jobId, done.frames + done.objects - 1, progressOf(done, enlargedBefore + done.smallImages)),
  });
  const enlarged = enlargedBefore + result.smallImages;
  await Job.succeed(svc.db, ctx.jobId, progressOf({ ...result, totalFrames: result.frames, totalObjects: result.objects }, enlarged));
  log.info("re-indexed", { frames: result.frames, objects: result.objects, model: embedder.identity.name, inputSize: embedder.inputSize, source: result.source, enlarged });
  await Library.settle(svc, ctx.tenantId);
  return result;
}
