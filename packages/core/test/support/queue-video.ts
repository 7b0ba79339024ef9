import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Services } from "../../src/services.js";
import * as Video from "../../src/video/index.js";

/** Registers, uploads and completes a video file as the API does: the video's id and its queued job's. */
export async function queueVideo(svc: Services, file: string, filename: string, tenantId = "local"): Promise<{ videoId: string; jobId: string }> {
  const video = await Video.create(svc, tenantId, { filename, sizeBytes: (await stat(file)).size, contentType: "video/mp4" });
  await Video.upload(svc, tenantId, video.id, createReadStream(file), { contentType: "video/mp4" });
  const queued = await Video.complete(svc, tenantId, video.id);
  return { videoId: video.id, jobId: queued.job!.id };
}
