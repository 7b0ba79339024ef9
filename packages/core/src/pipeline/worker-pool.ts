import { randomBytes } from "node:crypto";
import { errorMessage, isStorageFull } from "../error.js";
import { JobMessage, type ReceivedMessage } from "../queue/job-queue.js";
import type { Services } from "../services.js";
import { reviveRedriven } from "../video/processing.js";
import { IngestCancelled } from "./ingest.js";
import { runJob } from "./run-job.js";

export interface WorkerPoolOptions {
  /** Jobs processed at once. */
  concurrency: number;
  /** How long to wait between empty receives (a send wakes the pool at once through `notify`). */
  pollMs?: number;
  /** Caps the backoff before a failed job is tried again (tests set 0). */
  maxRetryDelaySec?: number;
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
    // An operator redrove its dead letter: the job that gave up runs again with fresh attempts.
    if (message.redriven) await reviveRedriven(svc, body.jobId);
    const controller = new AbortController();
    controllers.set(body.jobId, controller);
    const visibility = svc.settings.visibilityTimeoutSec;
    const heartbeat = setInterval(() => {
      svc.queue.changeVisibility(message.receiptHandle, visibility).catch((error) => log.warn("heartbeat failed", { jobId: body.jobId, error: errorMessage(error) }));
    }, (visibility * 1000) / 3);
    try {
      const outcome = await runJob(svc, body, { taskId: `local:${instance}`, signal: controller.signal });
      switch (outcome.kind) {
        case "retry":
          await svc.queue.changeVisibility(message.receiptHandle, Math.min(outcome.delaySec, options.maxRetryDelaySec ?? Infinity));
          break;
        case "interrupted":
          await svc.queue.handBack(message.receiptHandle);
          break;
        case "gave-up":
          await svc.queue.deadLetter(message.receiptHandle, outcome.reason);
          break;
        default:
          await svc.queue.delete(message.receiptHandle);
      }
    } finally {
      clearInterval(heartbeat);
      if (controllers.get(body.jobId) === controller) controllers.delete(body.jobId);
    }
  }

  let receiveFailures = 0;
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
        receiveFailures = 0;
      } catch (error) {
        // Said once, then once a minute of polls: a full disk or a lost database fails every poll.
        if (receiveFailures++ % Math.max(1, Math.round(60_000 / pollMs)) === 0) {
          log[isStorageFull(error) ? "warn" : "error"]("receive failed", { error: errorMessage(error), failures: receiveFailures });
        }
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
