import * as Job from "../job/index.js";
import type { JobMessage } from "../queue/job-queue.js";
import type { Services } from "../services.js";
import { describeFailure, failPermanently, ingest, IngestCancelled } from "./ingest.js";

/** Seconds before a failed attempt is tried again: 5, 10, 20, ... up to 5 minutes. */
export const retryDelaySec = (attempt: number) => Math.min(300, 5 * 2 ** Math.max(0, attempt - 1));

/**
 * What became of one attempt at a job, and so what the caller does with the job's message:
 * - `succeeded`, `failed` (bad input or a permanent error, no retry), `cancelled` (the video was
 *   deleted), `skipped` (unknown or already finished job): the message is done;
 * - `retry`: the job is queued again with the reason; deliver it again after `delaySec`;
 * - `gave-up`: attempts are used up and the job is failed; the message goes to the dead letters;
 * - `interrupted`: the runtime is shutting down; the job is queued again untouched, deliver it now.
 */
export type JobOutcome =
  | { kind: "succeeded"; frames: number }
  | { kind: "failed"; reason: string }
  | { kind: "cancelled" }
  | { kind: "skipped"; reason: string }
  | { kind: "retry"; delaySec: number; reason: string }
  | { kind: "gave-up"; reason: string }
  | { kind: "interrupted" };

export interface RunJobOptions {
  /** Who runs the attempt: recorded on the job (a worker-pool slot, an ECS task ARN). */
  taskId: string;
  /**
   * Aborting stops the work: with an `IngestCancelled` reason the video is being deleted; with any
   * other reason the runtime is shutting down and the job is handed back.
   */
  signal: AbortSignal;
  /** Called once the attempt is claimed (the job is running and counted), before the work starts. */
  onBegin?: (job: Job.JobRow) => void;
}

/**
 * One attempt at a job, the same in every runtime: claim it (counting the attempt), run the ingest
 * pipeline, and sort any failure into permanent (fail now, clean up), transient (retry later with
 * backoff) or final (attempts used up). The caller maps the outcome onto its queue.
 */
export async function runJob(svc: Services, message: JobMessage, options: RunJobOptions): Promise<JobOutcome> {
  const log = svc.log.child({ jobId: message.jobId, videoId: message.videoId });
  const job = await Job.begin(svc.db, message.jobId, options.taskId);
  if (!job || job.videoId !== message.videoId || job.tenantId !== message.tenantId) {
    // Finished already (a replayed message) or unknown: nothing to do.
    log.warn("job message dropped: no such runnable job");
    return { kind: "skipped", reason: "no such runnable job" };
  }
  const ctx = { jobId: job.id, tenantId: job.tenantId, videoId: job.videoId };
  options.onBegin?.(job);
  if (job.attempts > job.maxAttempts) {
    const reason = `Gave up after ${job.maxAttempts} attempts; last error: ${job.lastError ?? "the worker stopped without finishing"}`;
    await failPermanently(svc, ctx, { code: "job.gave_up", message: reason, badInput: false });
    return { kind: "gave-up", reason };
  }

  const { signal } = options;
  try {
    const { frames } = await ingest(svc, job, { ...ctx, signal });
    return { kind: "succeeded", frames };
  } catch (error) {
    if (signal.aborted && !(signal.reason instanceof IngestCancelled)) {
      // Shutting down: hand the job back untouched, the attempt not counted; the next start
      // resumes it from its checkpoint.
      await Job.handBack(svc.db, job.id, "interrupted by shutdown");
      return { kind: "interrupted" };
    }
    if (error instanceof IngestCancelled || signal.reason instanceof IngestCancelled) {
      await Job.fail(svc.db, job.id, "cancelled: the video was deleted").catch(() => {});
      return { kind: "cancelled" };
    }
    const failure = describeFailure(error);
    if (failure.permanent) {
      await failPermanently(svc, ctx, failure);
      return { kind: "failed", reason: `${failure.code}: ${failure.message}` };
    }
    if (job.attempts >= job.maxAttempts) {
      const reason = `Gave up after ${job.attempts} attempts; last error: ${failure.message}`;
      await failPermanently(svc, ctx, { code: "job.gave_up", message: reason, badInput: false });
      return { kind: "gave-up", reason };
    }
    const delaySec = retryDelaySec(job.attempts);
    log.warn("job attempt failed, will retry", { attempt: job.attempts, retryInSec: delaySec, error: failure.message });
    await Job.release(svc.db, job.id, failure.message);
    return { kind: "retry", delaySec, reason: failure.message };
  }
}
