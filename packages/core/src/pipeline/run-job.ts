import { storageFull } from "../error.js";
import * as Job from "../job/index.js";
import * as Library from "../library/index.js";
import type { JobMessage } from "../queue/job-queue.js";
import type { Services } from "../services.js";
import { failPermanently, ingest, IngestCancelled } from "./ingest.js";
import { reindexJob } from "./reindex-job.js";

/** Seconds an attempt waits for disk space before its next try: 1, 2, 4, ... up to a minute. */
export const storageWaitSec = (waits: number) => Math.min(60, 2 ** Math.max(0, waits));

/**
 * How long one attempt waits for space before the full disk counts as a failed attempt. Freeing
 * space is a person's job and may take a while; a disk that never frees (a worker task's own
 * scratch disk smaller than the video) must still end, through the attempts.
 */
export const STORAGE_WAIT_LIMIT_SEC = 3600;

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
  /** Overrides STORAGE_WAIT_LIMIT_SEC: a worker task, whose disk nobody else frees, waits less (tests too). */
  storageWaitLimitSec?: number;
}

/** Sleeps `sec` seconds, or less when `signal` aborts. */
function pause(sec: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, sec * 1000);
    signal.addEventListener("abort", done);
  });
}

/**
 * One attempt at a job, the same in every runtime: claim it (counting the attempt), run the ingest
 * pipeline (or a re-index, for a job of that kind), and sort any failure into permanent (fail now, clean up), transient (retry later with
 * backoff) or final (attempts used up). The caller maps the outcome onto its queue.
 *
 * A full disk (`storage.full`, from any write: files, database, model cache) is the machine's
 * state, not the video's fault: the attempt waits in place with backoff and tries again, resuming
 * from its checkpoint, without spending attempts, until space returns (or the wait limit passes,
 * or the runtime stops).
 */
export async function runJob(given: Services, message: JobMessage, options: RunJobOptions): Promise<JobOutcome> {
  // Each attempt loads a model that failed before again: the cause may be fixed (a retry).
  const svc = Library.retryingLoads(given);
  const log = svc.log.child({ jobId: message.jobId, videoId: message.videoId });
  const { signal } = options;
  const waitUntil = Date.now() + (options.storageWaitLimitSec ?? STORAGE_WAIT_LIMIT_SEC) * 1000;
  let waits = 0;
  /** True when a storage-full failure should be waited out (and waits); false to handle `error` as usual. */
  const waitForSpace = async (error: unknown): Promise<boolean> => {
    const full = storageFull(error);
    if (!full || signal.aborted || Date.now() >= waitUntil) return false;
    const delaySec = storageWaitSec(waits++);
    log.warn("disk full: waiting for space, attempts not counted", { waits, retryInSec: delaySec, error: full.message });
    // Best effort: the write itself may fail for space.
    await Job.noteWaiting(svc.db, message.jobId, full).catch(() => {});
    await pause(delaySec, signal);
    return !signal.aborted;
  };
  const claim = async (): Promise<Job.JobRow | undefined> => {
    for (;;) {
      try {
        return await Job.begin(svc.db, message.jobId, options.taskId);
      } catch (error) {
        // Nothing was claimed or counted yet: wait for space, or let the queue deliver it again.
        if (!(await waitForSpace(error))) throw error;
      }
    }
  };

  const claimed = await claim();
  if (!claimed || claimed.videoId !== message.videoId || claimed.tenantId !== message.tenantId) {
    // Finished already (a replayed message) or unknown: nothing to do.
    log.warn("job message dropped: no such runnable job");
    return { kind: "skipped", reason: "no such runnable job" };
  }
  let job: Job.JobRow = claimed;
  const ctx = { jobId: job.id, tenantId: job.tenantId, videoId: job.videoId };
  options.onBegin?.(job);
  if (job.attempts > job.maxAttempts) {
    const failure = Job.gaveUp(job.maxAttempts, job.lastError ?? "the worker stopped without finishing");
    await failPermanently(svc, ctx, failure);
    return { kind: "gave-up", reason: failure.message };
  }

  for (;;) {
    try {
      const { frames } = job.kind === "reindex" ? await reindexJob(svc, job, { ...ctx, signal }) : await ingest(svc, job, { ...ctx, signal });
      return { kind: "succeeded", frames };
    } catch (error) {
      if (!(await waitForSpace(error))) return settle(svc, job, signal, error);
    }
    // Resume from what was committed meanwhile; stop if the job moved on (deleted, taken over).
    const current: Job.JobRow | undefined = await Job.get(svc.db, job.id).catch(() => job);
    if (!current || current.status !== "running" || current.taskId !== options.taskId) {
      log.warn("job moved on while waiting for disk space", { status: current?.status });
      return { kind: "skipped", reason: "the job moved on while waiting for disk space" };
    }
    job = current;
  }
}

/** Sorts a failed attempt: shutdown, cancellation, permanent, transient (retry) or attempts used up. */
async function settle(svc: Services, job: Job.JobRow, signal: AbortSignal, error: unknown): Promise<JobOutcome> {
  const log = svc.log.child({ jobId: job.id, videoId: job.videoId });
  const ctx = { jobId: job.id, tenantId: job.tenantId, videoId: job.videoId };
  if (signal.aborted && !(signal.reason instanceof IngestCancelled)) {
    // Shutting down: hand the job back untouched, the attempt not counted; the next start
    // resumes it from its checkpoint.
    await Job.handBack(svc.db, job.id, "interrupted by shutdown");
    return { kind: "interrupted" };
  }
  if (error instanceof IngestCancelled || signal.reason instanceof IngestCancelled) {
    await Job.fail(svc.db, job.id, { code: "job.cancelled", message: "the video was deleted" }).catch(() => {});
    // A re-index may have waited only for this video (its job goes with it).
    if (job.kind === "reindex") await Library.settle(svc, job.tenantId);
    return { kind: "cancelled" };
  }
  const next = Job.nextStep(job, Job.failureOf(error));
  if (next.kind === "fail") {
    await failPermanently(svc, ctx, next.failure);
    return next.failure.code === Job.GAVE_UP ? { kind: "gave-up", reason: next.failure.message } : { kind: "failed", reason: `${next.failure.code}: ${next.failure.message}` };
  }
  log.warn("job attempt failed, will retry", { attempt: job.attempts, retryInSec: next.delaySec, error: next.failure.message });
  await Job.release(svc.db, job.id, next.failure.message);
  return { kind: "retry", delaySec: next.delaySec, reason: next.failure.message };
}
