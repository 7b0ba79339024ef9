/**
 * Processing a video: queueing its run once the upload is complete, and again on retry (only the
 * failed segments of a split run whose other segments finished).
 */
import { and, eq } from "drizzle-orm";
import * as Job from "../job/index.js";
import type { Services } from "../services.js";
import type { UploadedPart } from "../uploads/upload-targets.js";
import { uploadErrors, VideoNotRetryable, VideoWrongState } from "./errors.js";
import { row } from "./rows.js";
import { lockRow, recount, setStatus } from "./state.js";
import { videoTable, type VideoRow } from "./video.sql.js";
import { get, type VideoView } from "./videos.js";

async function keptUpload(svc: Services, video: VideoRow): Promise<boolean> {
  return (await svc.blobs.stat(video.blobKey).catch(() => undefined)) !== undefined;
}


/**
 * The upload is complete: create the ingest job and queue it. Completing twice is harmless: the
 * second call returns the video as it is.
 */
export async function complete(svc: Services, tenantId: string, id: string, parts?: UploadedPart[]): Promise<VideoView> {
  const video = await row(svc, tenantId, id);
  if (video.status !== "uploading") {
    if (video.status === "deleting") throw new VideoWrongState(id, video.status, "complete the upload");
    return get(svc, tenantId, id);
  }
  if (!(await svc.blobs.stat(video.blobKey))) await svc.uploads.complete(video, parts);
  const stored = await svc.blobs.stat(video.blobKey);
  if (!stored) throw uploadErrors.missing(id);
  if (stored.size !== video.sizeBytes) throw uploadErrors.sizeMismatch(video.sizeBytes, stored.size);
  const job = await queueJob(svc, tenantId, video, { from: "uploading", undo: { status: "uploading" } });
  if (job) svc.log.info("video queued", { videoId: id, jobId: job.id });
  return get(svc, tenantId, id);
}

/**
 * Processes a failed video again from its stored upload: a new job (fresh attempts, no
 * checkpoint, since failing removed what the last one made), queued like `complete` does. A
 * video already queued or processing is answered as it is, so a double click is harmless; a
 * failure on bad input deleted the upload, and the same file would fail the same way.
 */
export async function retry(svc: Services, tenantId: string, id: string): Promise<VideoView> {
  const video = await row(svc, tenantId, id);
  if (video.status === "queued" || video.status === "processing") return get(svc, tenantId, id);
  if (video.status !== "failed") throw new VideoNotRetryable(id, `it is ${video.status}; only a failed video can be processed again.`);
  if (!(await keptUpload(svc, video))) {
    const why = video.errorCode ? ` when it failed (${video.errorCode})` : "";
    throw new VideoNotRetryable(id, `its uploaded file was removed${why}, and the same file would fail the same way. Upload a fixed file as a new video.`);
  }
  // A split run whose other segments finished: only its failed segments run again.
  const revived = await retrySegments(svc, tenantId, video);
  if (revived > 0) {
    svc.log.info("video queued again: failed segments", { videoId: id, segments: revived, previousError: video.errorCode });
    return get(svc, tenantId, id);
  }
  // The undo puts the video back as it was.
  const job = await queueJob(svc, tenantId, video, { from: "failed", undo: { status: "failed", errorCode: video.errorCode, errorMessage: video.errorMessage } });
  if (job) svc.log.info("video queued again", { videoId: id, jobId: job.id, previousError: video.errorCode });
  return get(svc, tenantId, id);
}

/**
 * A job whose dead letter an operator redrove runs again: a job that gave up gets fresh attempts
 * and its video is queued again, keeping what it still has (nothing after a whole-video failure,
 * the other segments' frames after a segment's). Any other job, or a video going away, is left
 * as it is. Returns the job as it is now, undefined when it is gone.
 */
export async function reviveRedriven(svc: Services, jobId: string): Promise<Job.JobRow | undefined> {
  const revived = await svc.db.transaction(async (tx) => {
    const job = await Job.get(tx, jobId);
    const video = job && (await lockRow(tx, job.videoId));
    if (!job || !video || video.status === "deleting" || job.status !== "failed") return undefined;
    const row = await Job.revive(tx, jobId);
    if (row) await setStatus(tx, video.id, { status: "queued", errorCode: null, errorMessage: null });
    return row;
  });
  if (!revived) return Job.get(svc.db, jobId);
  await recount(svc.db, revived.videoId);
  svc.log.info("redriven job revived", { jobId, videoId: revived.videoId, segment: revived.segment });
  return revived;
}

/**
 * Queues the failed segments of a video's split run again (fresh attempts, their checkpoints
 * kept), when some segment of it succeeded; returns how many, 0 when the run is not one to resume.
 * A send that fails leaves the segments queued without a message: the video is failed again, so
 * a later retry picks them up.
 */
async function retrySegments(svc: Services, tenantId: string, video: VideoRow): Promise<number> {
  const run = (await Job.latestRuns(svc.db, [video.id])).get(video.id) ?? [];
  if (run.length < 2 || !run.some((job) => job.status === "succeeded")) return 0;
  const revived = await svc.db.transaction(async (tx) => {
    const updated = await tx
      .update(videoTable)
      .set({ status: "queued", errorCode: null, errorMessage: null, updatedAt: new Date() })
      .where(and(eq(videoTable.id, video.id), eq(videoTable.status, "failed")))
      .returning({ id: videoTable.id });
    return updated.length === 0 ? [] : Job.reviveFailedSegments(tx, run[0]!.runId);
  });
  try {
    for (const job of revived) await svc.queue.send({ jobId: job.id, videoId: video.id, tenantId });
  } catch (error) {
    await setStatus(svc.db, video.id, { status: "failed", errorCode: video.errorCode, errorMessage: video.errorMessage });
    throw error;
  }
  return revived.length;
}

/**
 * Moves a video from `from` to queued with a new job (fresh attempts) and sends the job's
 * message. Without its message the job would never run, so a failed send undoes both and the
 * caller can try again. Returns undefined when the video was no longer in `from` (a race).
 */
async function queueJob(
  svc: Services,
  tenantId: string,
  video: VideoRow,
  options: { from: VideoRow["status"]; undo: Partial<Pick<VideoRow, "status" | "errorCode" | "errorMessage">> },
): Promise<Job.JobRow | undefined> {
  const job = await svc.db.transaction(async (tx) => {
    const updated = await tx
      .update(videoTable)
      .set({ status: "queued", errorCode: null, errorMessage: null, updatedAt: new Date() })
      .where(and(eq(videoTable.id, video.id), eq(videoTable.status, options.from)))
      .returning({ id: videoTable.id });
    if (updated.length === 0) return undefined;
    return Job.create(tx, { tenantId, videoId: video.id, maxAttempts: svc.settings.maxAttempts });
  });
  if (!job) return undefined;
  try {
    await svc.queue.send({ jobId: job.id, videoId: video.id, tenantId });
  } catch (error) {
    await svc.db.transaction(async (tx) => {
      await tx.delete(Job.jobTable).where(eq(Job.jobTable.id, job.id));
      await tx.update(videoTable).set({ ...options.undo, updatedAt: new Date() }).where(eq(videoTable.id, video.id));
    });
    throw error;
  }
  return job;
}
