import { errorMessage } from "../../error.js";
import * as Job from "../../job/index.js";
import * as Library from "../../library/index.js";
import type { Logger } from "../../log.js";
import { failPermanently } from "../../pipeline/ingest.js";
import { JobMessage } from "../../queue/job-queue.js";
import type { Services } from "../../services.js";
import * as Video from "../../video/index.js";
import type { Alerts } from "./alerts.js";
import type { SqsJobQueue } from "../../queue/sqs.js";
import { TaskLaunchFailed, type TaskLauncher, type TaskStopped } from "../../launcher/task-launcher.js";

/**
 * How long a launched task may take to begin its job: Fargate starts in a minute or two, but the
 * GPU capacity provider may first have to start an instance and pull a large image.
 */
export const TASK_START_GRACE_SEC = 40 * 60;
/**
 * How long a job waits when every task slot is taken, before the dispatcher looks again. A slot
 * that frees stays idle until then (a delayed SQS message cannot be called early): at 60 s the
 * scale bench's 5 segments on 2 slots spent a fifth of their wall time waiting. Looking every 10 s
 * costs a send and a share of a dispatch invocation per waiting segment, pennies for a day's work.
 */
export const DEFER_SEC = 10;

/** What the job control functions (dispatch, task events, reconciler) work with. */
export interface JobControl {
  services: Services;
  queue: SqsJobQueue;
  launcher?: TaskLauncher;
  alerts?: Alerts;
  /** Worker tasks running at once, at most. */
  maxTasks: number;
  log: Logger;
}

export interface DispatchRecord {
  messageId: string;
  body: string;
  /** The message came back from the dead-letter queue (an operator's redrive). */
  redriven?: boolean;
}

export interface DispatchResult {
  /** Message ids to hand back to SQS (batch item failures): they are tried again later. */
  failed: string[];
  launched: number;
  deferred: number;
  dropped: number;
}

/**
 * Starts a worker task for each job message. A message whose job is finished, unknown or held by
 * a live task is dropped; when every task slot is taken the message is sent again with a delay
 * (waiting does not count as a failed delivery); a task that cannot start (no capacity,
 * throttling) fails the message back to SQS, which retries it and, after the queue's
 * maxReceiveCount, moves it to the dead-letter queue.
 */
export async function dispatchJobs(ctrl: JobControl, records: DispatchRecord[], now = new Date()): Promise<DispatchResult> {
  const { services: svc, log } = ctrl;
  const launcher = ctrl.launcher;
  if (!launcher) throw new Error("dispatching needs a task launcher (VOS_ECS_CLUSTER and the task settings)");
  const result: DispatchResult = { failed: [], launched: 0, deferred: 0, dropped: 0 };
  let active: number | undefined;

  for (const record of records) {
    try {
      let message: JobMessage;
      try {
        message = JobMessage.parse(JSON.parse(record.body));
      } catch (error) {
        log.error("malformed job message dead-lettered", { messageId: record.messageId, error: errorMessage(error) });
        await ctrl.queue.sendDeadLetter(record.body, `malformed message: ${errorMessage(error)}`);
        result.dropped++;
        continue;
      }
      const jobLog = log.child({ jobId: message.jobId, videoId: message.videoId });
      const job = record.redriven ? await Video.reviveRedriven(svc, message.jobId) : await Job.get(svc.db, message.jobId);
      if (!job || job.videoId !== message.videoId || job.status === "succeeded" || job.status === "failed") {
        jobLog.info("job message dropped: the job is finished or unknown", { status: job?.status });
        result.dropped++;
        continue;
      }
      if (job.status === "running" && job.deadlineAt && job.deadlineAt > now) {
        jobLog.info("job message dropped: a live task holds the job", { taskId: job.taskId });
        result.dropped++;
        continue;
      }
      const video = await Video.find(svc, job.videoId);
      if (!video || video.status === "deleting") {
        jobLog.info("job message dropped: the video is gone");
        result.dropped++;
        continue;
      }
      active ??= await launcher.active();
      if (active >= ctrl.maxTasks) {
        await ctrl.queue.send(message, { delaySec: DEFER_SEC });
        jobLog.info("all task slots busy: job deferred", { active, maxTasks: ctrl.maxTasks, retryInSec: DEFER_SEC });
        result.deferred++;
        continue;
      }
      const task = await launcher.launch({ ...message, sizeBytes: video.sizeBytes, idempotencyToken: record.messageId });
      active++;
      await Job.assignTask(svc.db, job.id, task.taskId, new Date(now.getTime() + TASK_START_GRACE_SEC * 1000));
      jobLog.info("worker task launched", { taskId: task.taskId, kind: task.kind, sizeBytes: video.sizeBytes });
      result.launched++;
    } catch (error) {
      const reason = errorMessage(error);
      log.warn(error instanceof TaskLaunchFailed ? "worker task not started; the message will be retried" : "dispatch failed; the message will be retried", {
        messageId: record.messageId,
        error: reason,
      });
      result.failed.push(record.messageId);
    }
  }
  return result;
}

export type Settlement = "requeued" | "failed" | "ignored";

/**
 * A task stopped. If it was still holding its job (it crashed, ran out of memory, lost its spot
 * instance, or never started), the job is queued again with backoff while attempts remain, and
 * otherwise failed with the reason and dead-lettered. Events about tasks that no longer hold their
 * job (a finished job, a worker that re-queued the job itself, a replayed event) change nothing.
 */
export async function handleTaskStopped(ctrl: JobControl, stopped: TaskStopped): Promise<Settlement> {
  const log = ctrl.log.child({ jobId: stopped.jobId, taskId: stopped.taskId });
  if (!stopped.jobId) return "ignored";
  const job = await Job.get(ctrl.services.db, stopped.jobId);
  if (!job || job.status === "succeeded" || job.status === "failed") {
    log.debug("task stopped after its job finished", { status: job?.status });
    return "ignored";
  }
  if (job.taskId !== stopped.taskId) {
    log.info("stopped task no longer holds its job", { holder: job.taskId });
    return "ignored";
  }
  if (stopped.exitCode === 0 && job.status === "queued") {
    log.debug("worker handed its job back before exiting");
    return "ignored";
  }
  log.warn("worker task stopped without finishing its job", { reason: stopped.reason, exitCode: stopped.exitCode });
  return settle(ctrl, job, { reason: stopped.reason, taskId: stopped.taskId });
}

export interface ReconcileResult {
  requeued: number;
  failed: number;
}

/**
 * The backstop for lost events: jobs whose task missed its deadline (no heartbeat from a running
 * worker, or a launched task that never began) are re-queued while attempts remain, else failed.
 * The late task is asked to stop; when its stop event arrives the job has moved on and it is
 * ignored.
 */
export async function reconcileJobs(ctrl: JobControl, now = new Date()): Promise<ReconcileResult> {
  const result: ReconcileResult = { requeued: 0, failed: 0 };
  for (const job of await Job.stuck(ctrl.services.db, now)) {
    const reason =
      job.status === "running"
        ? `task ${job.taskId} stopped reporting progress (deadline ${job.deadlineAt?.toISOString()})`
        : `task ${job.taskId} did not start the job by ${job.deadlineAt?.toISOString()}`;
    ctrl.log.warn("stuck job found", { jobId: job.id, videoId: job.videoId, status: job.status, reason });
    if (job.taskId && ctrl.launcher) {
      await ctrl.launcher.stop(job.taskId, "stuck job re-queued by the reconciler").catch((error: unknown) => {
        ctrl.log.warn("could not stop a stuck task", { taskId: job.taskId, error: errorMessage(error) });
      });
    }
    const outcome = await settle(ctrl, job, { reason, taskId: job.taskId, before: now });
    if (outcome === "requeued") result.requeued++;
    else if (outcome === "failed") result.failed++;
  }
  return result;
}

/**
 * The scheduled reconciler's round: stuck jobs (above); deletions a request began and did not
 * finish (video/deletions.ts); the old vectors a library switch listed but could not remove (the
 * vector store failed, or the process ended first).
 */
export async function reconcile(ctrl: JobControl, now = new Date()): Promise<ReconcileResult & { deletionsFinished: number; oldVectorsRemoved: number }> {
  const jobs = await reconcileJobs(ctrl, now);
  const deletions = await Video.finishDeletions(ctrl.services, { startedBefore: new Date(now.getTime() - Video.DELETION_GRACE_MS) });
  const removed = await Library.removeStaleVectors(ctrl.services, { now });
  return { ...jobs, deletionsFinished: deletions.deleted, oldVectorsRemoved: removed.vectors };
}

/**
 * Takes the job from a task that will not finish it: queued again (message first, so a crash in
 * between duplicates rather than loses it), or, with attempts used up, dead-lettered and failed.
 * A task that never began the job could not count its attempt, so it is counted here.
 */
async function settle(ctrl: JobControl, job: Job.JobRow, options: { reason: string; taskId: string | null; before?: Date }): Promise<Settlement> {
  const { services: svc } = ctrl;
  const message = { jobId: job.id, videoId: job.videoId, tenantId: job.tenantId };
  const countAttempt = job.status === "queued";
  const attempts = job.attempts + (countAttempt ? 1 : 0);
  const detach = (reason: string) =>
    Job.detach(svc.db, job.id, { taskId: options.taskId, reason, countAttempt, ...(options.before ? { before: options.before } : {}) });

  const next = Job.nextStep({ attempts, maxAttempts: job.maxAttempts }, Job.stopped(options.reason));
  if (next.kind === "fail") {
    const reason = next.failure.message;
    await ctrl.queue.sendDeadLetter(message, reason);
    if (!(await detach(options.reason))) return "ignored";
    await failPermanently(svc, message, next.failure);
    await ctrl.alerts?.jobGaveUp({ ...message, reason }).catch((error: unknown) => {
      ctrl.log.error("could not send the alert", { jobId: job.id, error: errorMessage(error) });
    });
    return "failed";
  }
  const delaySec = next.delaySec;
  await ctrl.queue.send(message, { delaySec });
  if (!(await detach(options.reason))) return "ignored";
  ctrl.log.info("job re-queued", { jobId: job.id, attempt: attempts, retryInSec: delaySec });
  return "requeued";
}
