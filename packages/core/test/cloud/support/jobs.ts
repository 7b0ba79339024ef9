/** Videos and jobs in the states the job-control tests start from. */
import * as Job from "../../../src/job/index.js";
import type { Services } from "../../../src/services.js";
import * as Video from "../../../src/video/index.js";

export async function seedJob(svc: Services, options: { tenantId?: string; sizeBytes?: number; maxAttempts?: number } = {}) {
  const tenantId = options.tenantId ?? "t1";
  const video = await Video.create(svc, tenantId, { filename: "clip.mp4", sizeBytes: options.sizeBytes ?? 1000, contentType: "video/mp4" });
  await Video.setStatus(svc.db, video.id, { status: "queued" });
  const job = await Job.create(svc.db, { tenantId, videoId: video.id, maxAttempts: options.maxAttempts ?? 3 });
  return { video, job, message: { jobId: job.id, videoId: video.id, tenantId } };
}
