import * as Job from "../../job/index.js";
import { failPermanently } from "../../pipeline/ingest.js";
import type { DbJobQueue } from "../../queue/database.js";
import type { Services } from "../../services.js";

export interface Recovery {
  /** Jobs whose message was missing, sent again. */
  requeued: number;
  /** Jobs whose message died (the worker kept stopping before it could claim them), failed. */
  failed: number;
}

/**
 * Start-up check of the embedded runtime, run under the data-folder lock before any worker
 * starts: every unfinished job must have a message that can still be delivered. A job without
 * one (a crash between the job's row and its message, or a message retired after the process
 * kept dying before it could claim the job) would otherwise wait forever: it is queued again
 * while attempts remain, else failed with the reason, as a job that gave up.
 */
export async function recoverJobs(svc: Services, queue: DbJobQueue): Promise<Recovery> {
  const result: Recovery = { requeued: 0, failed: 0 };
  const jobs = await Job.unfinished(svc.db);
  if (jobs.length === 0) return result;
  const states = await queue.messageStates();
  for (const job of jobs) {
    const state = states.get(job.id);
    if (state === "live") continue;
    const message = { jobId: job.id, videoId: job.videoId, tenantId: job.tenantId };
    if (state === "dead" || job.attempts >= job.maxAttempts) {
      const failure = Job.gaveUp(job.attempts, job.lastError ?? "none recorded", `Gave up: the worker stopped before finishing the job ${Math.max(job.attempts, 1)} time(s)`);
      await failPermanently(svc, message, failure);
      result.failed++;
    } else {
      await Job.release(svc.db, job.id, job.lastError ?? "its queue message was missing");
      await queue.send(message);
      result.requeued++;
    }
  }
  if (result.requeued || result.failed) svc.log.warn("recovered jobs without a deliverable message", { ...result });
  return result;
}
