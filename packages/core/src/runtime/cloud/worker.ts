import { hostname } from "node:os";
import { errorMessage } from "../../error.js";
import * as Job from "../../job/index.js";
import { runJob, type JobOutcome } from "../../pipeline/run-job.js";
import { OWN_PROCESS_TASK_ID, processTaskId } from "../../launcher/process.js";
import type { CloudRuntime } from "./runtime.js";

/** How long a worker task waits for its full disk to free up before the attempt counts. */
export const TASK_STORAGE_WAIT_SEC = 120;

export interface CloudJobOptions {
  /** This task's id, as the dispatcher recorded it (the ECS task ARN). */
  taskId: string;
  /** Aborted on SIGTERM: the job is handed back to the queue. */
  signal?: AbortSignal;
  /** How often the running job's deadline is pushed forward; default 60 s. */
  heartbeatSec?: number;
  /** How far; default 5 minutes. */
  deadlineSec?: number;
}

/**
 * The task's id: set by the local launcher (VOS_TASK_ID), else the ECS task ARN from the task
 * metadata endpoint, else the host and process.
 */
export async function currentTaskId(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.VOS_TASK_ID === OWN_PROCESS_TASK_ID) return processTaskId(process.pid);
  if (env.VOS_TASK_ID) return env.VOS_TASK_ID;
  const metadata = env.ECS_CONTAINER_METADATA_URI_V4;
  if (metadata) {
    try {
      const response = await fetch(`${metadata}/task`, { signal: AbortSignal.timeout(2000) });
      const task = (await response.json()) as { TaskARN?: string };
      if (task.TaskARN) return task.TaskARN;
    } catch {
      // fall through: a task without metadata still runs, only stop events cannot be matched
    }
  }
  return `host:${hostname()}:${process.pid}`;
}

/**
 * Runs one job in a worker task and settles its message: the dispatcher consumed the SQS message,
 * so a retry is a new (delayed) message, giving up sends the job to the dead-letter queue, and a
 * shutdown (SIGTERM: spot interruption, scale-in) hands the job back at once. A heartbeat keeps
 * the job's deadline ahead of the reconciler; when the job turns out to be someone else's (the
 * reconciler re-queued it) the work stops. Returns the exit code: 0 whenever the outcome was
 * recorded, so the task-events handler only acts on real crashes.
 */
export async function runCloudJob(runtime: CloudRuntime, jobId: string, options: CloudJobOptions): Promise<{ code: number; outcome?: JobOutcome }> {
  const { services: svc, queue } = runtime;
  const log = svc.log.child({ jobId, taskId: options.taskId });
  const job = await Job.get(svc.db, jobId);
  if (!job) {
    log.warn("no such job; nothing to do");
    return { code: 0 };
  }
  const message = { jobId: job.id, videoId: job.videoId, tenantId: job.tenantId };
  const controller = new AbortController();
  let lost = false;
  const onAbort = () => controller.abort(new Error("shutdown"));
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  const heartbeatMs = (options.heartbeatSec ?? 60) * 1000;
  const deadlineMs = (options.deadlineSec ?? 300) * 1000;
  const beat = () =>
    Job.heartbeat(svc.db, job.id, options.taskId, new Date(Date.now() + deadlineMs))
      .then((held) => {
        if (!held && !controller.signal.aborted) {
          lost = true;
          log.warn("the job is no longer this task's; stopping");
          controller.abort(new Error("job taken over"));
        }
      })
      .catch((error: unknown) => log.warn("heartbeat failed", { error: errorMessage(error) }));
  // Beats start once the attempt is claimed: before that the job is not this task's yet.
  let heartbeat: NodeJS.Timeout | undefined;
  const onBegin = () => {
    void beat();
    heartbeat = setInterval(() => void beat(), heartbeatMs);
  };

  try {
    // A task's disk is its own and nobody else frees it: a full one is this video's doing (too
    // large for the task's storage), so waiting long would only hold the job. The attempt counts
    // after a short wait and the job's retries and dead-letter path take over.
    const outcome = await runJob(svc, message, { taskId: options.taskId, signal: controller.signal, onBegin, storageWaitLimitSec: TASK_STORAGE_WAIT_SEC });
    log.info("job attempt finished", { outcome: outcome.kind });
    // Queue the job again only while it is still this task's: the reconciler may have re-queued
    // it already. The message goes first, so a crash in between duplicates rather than loses it.
    const requeue = async (delaySec: number) => {
      const current = await Job.get(svc.db, job.id);
      if (lost || current?.status !== "queued" || current.taskId !== options.taskId) return;
      await queue.send(message, { delaySec });
      await Job.detach(svc.db, job.id, { taskId: options.taskId });
    };
    switch (outcome.kind) {
      case "retry":
        await requeue(outcome.delaySec);
        break;
      case "interrupted":
        await requeue(0);
        break;
      case "gave-up":
        await queue.sendDeadLetter(message, outcome.reason);
        await runtime.alerts?.jobGaveUp({ ...message, reason: outcome.reason }).catch((error: unknown) => {
          log.error("could not send the alert", { error: errorMessage(error) });
        });
        break;
      default:
        break;
    }
    return { code: 0, outcome };
  } finally {
    clearInterval(heartbeat);
    options.signal?.removeEventListener("abort", onAbort);
  }
}
