import { randomBytes } from "node:crypto";
import { errorMessage } from "../error.js";
import * as Job from "../job/index.js";
import { JobMessage, type ReceivedMessage } from "../queue/job-queue.js";
import type { Services } from "../services.js";
import { describeFailure, failPermanently, ingest, IngestCancelled } from "./ingest.js";

export interface WorkerPoolOptions {
  /** Jobs processed at once. */
  concurrency: number;
  /** How long to wait between empty receives (a send wakes the pool at once through `notify`). */
  pollMs?: number;
}

export interface WorkerPool {
  /** Wakes the pool after a message was sent. */
  notify(): void;
  /** Aborts the job's work (its video is being deleted). */
  cancel(jobId: string): void;
  /** Stops receiving, aborts running work and hands it back to the queue for the next start. */
  stop(): Promise<void>;
  readonly running: number;
}

/** Seconds before a failed attempt is tried again: 5, 10, 20, ... up to 5 minutes. */
export const retryDelaySec = (attempt: number) => Math.min(300, 5 * 2 ** Math.max(0, attempt - 1));

/**
 * The embedded runtime's task launcher: receives job messages from the queue and runs the
 * ingest pipeline in this process, `concurrency` at a time. A heartbeat keeps a running job's
 * message invisible; a crash lets it reappear after the visibility timeout.
 */
export function startWorkerPool(svc: Services, options: WorkerPoolOptions): WorkerPool {
  const pollMs = options.pollMs ?? 500;
  const instance = randomBytes(4).toString("hex");
  const inflight = new Set<Promise<void>>();
  const controllers = new Map<string, AbortController>();
  let stopping = false;
  let wake: (() => void) | undefined;
  const log = svc.log.child({ component: "worker-pool" });

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  async function handle(message: ReceivedMessage): Promise<void> {
    let body: JobMessage;
    try {
      body = JobMessage.parse(JSON.parse(message.body));
    } catch (error) {
      log.error("malformed job message dead-lettered", { messageId: message.id, error: errorMessage(error) });
      await svc.queue.deadLetter(message.receiptHandle, `malformed message: ${errorMessage(error)}`);
      return;
    }
    const job = await Job.begin(svc.db, body.jobId, `local:${instance}`);
    if (!job || job.videoId !== body.videoId || job.tenantId !== body.tenantId) {
      // Finished already (a replayed message) or unknown: nothing to do.
      log.warn("job message dropped: no such runnable job", { jobId: body.jobId });
      await svc.queue.delete(message.receiptHandle);
      return;
    }
    const ctx = { jobId: job.id, tenantId: job.tenantId, videoId: job.videoId };
    if (job.attempts > job.maxAttempts) {
      const reason = `Gave up after ${job.maxAttempts} attempts; last error: ${job.lastError ?? "the worker stopped without finishing"}`;
      await failPermanently(svc, ctx, { code: "job.gave_up", message: reason, badInput: false });
      await svc.queue.deadLetter(message.receiptHandle, reason);
      return;
    }

    const controller = new AbortController();
    controllers.set(job.id, controller);
    const visibility = svc.settings.visibilityTimeoutSec;
    const heartbeat = setInterval(() => {
      svc.queue.changeVisibility(message.receiptHandle, visibility).catch((error) => log.warn("heartbeat failed", { jobId: job.id, error: errorMessage(error) }));
    }, (visibility * 1000) / 3);
    try {
      await ingest(svc, job, { ...ctx, signal: controller.signal });
      await svc.queue.delete(message.receiptHandle);
    } catch (error) {
      if (stopping && !(controller.signal.reason instanceof IngestCancelled)) {
        // Shutting down: hand the job back untouched; the next start resumes it.
        await Job.release(svc.db, job.id, "interrupted by shutdown");
        await svc.queue.changeVisibility(message.receiptHandle, 0);
        return;
      }
      if (error instanceof IngestCancelled || controller.signal.reason instanceof IngestCancelled) {
        await Job.fail(svc.db, job.id, "cancelled: the video was deleted").catch(() => {});
        await svc.queue.delete(message.receiptHandle);
        return;
      }
      const failure = describeFailure(error);
      if (failure.permanent) {
        await failPermanently(svc, ctx, failure);
        await svc.queue.delete(message.receiptHandle);
      } else if (job.attempts >= job.maxAttempts) {
        const reason = `Gave up after ${job.attempts} attempts; last error: ${failure.message}`;
        await failPermanently(svc, ctx, { code: "job.gave_up", message: reason, badInput: false });
        await svc.queue.deadLetter(message.receiptHandle, reason);
      } else {
        const delay = retryDelaySec(job.attempts);
        log.warn("job attempt failed, will retry", { jobId: job.id, attempt: job.attempts, retryInSec: delay, error: failure.message });
        await Job.release(svc.db, job.id, failure.message);
        await svc.queue.changeVisibility(message.receiptHandle, delay);
      }
    } finally {
      clearInterval(heartbeat);
      controllers.delete(job.id);
    }
  }

  const loop = (async () => {
    while (!stopping) {
      const free = options.concurrency - inflight.size;
      if (free <= 0) {
        await Promise.race(inflight);
        continue;
      }
      let messages: ReceivedMessage[] = [];
      try {
        messages = await svc.queue.receive({ max: free, visibilityTimeoutSec: svc.settings.visibilityTimeoutSec });
      } catch (error) {
        log.error("receive failed", { error: errorMessage(error) });
      }
      if (stopping) break;
      for (const message of messages) {
        const done: Promise<void> = handle(message)
          .catch((error) => log.error("job handler crashed", { error }))
          .finally(() => inflight.delete(done));
        inflight.add(done);
      }
      if (messages.length === 0) await sleep(pollMs);
    }
  })();

  return {
    notify: () => wake?.(),
    cancel(jobId) {
      controllers.get(jobId)?.abort(new IngestCancelled(jobId));
    },
    async stop() {
      stopping = true;
      wake?.();
      for (const controller of controllers.values()) controller.abort(new Error("shutdown"));
      await loop;
      await Promise.allSettled([...inflight]);
    },
    get running() {
      return inflight.size;
    },
  };
}
