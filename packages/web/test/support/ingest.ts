import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ApiClient } from "../../src/api/client";
import type { VideoView } from "../../src/api/types";

/** Uploads a file through the API in one PUT and waits until it is ready (searchable, objects found). */
export async function ingestThroughApi(api: ApiClient, file: string, filename = path.basename(file)): Promise<VideoView> {
  const bytes = new Uint8Array(await readFile(file));
  const created = await api.createVideo({ filename, sizeBytes: bytes.length, contentType: "video/mp4" });
  if (created.upload.kind !== "put") throw new Error("the local server should hand out a PUT target");
  const put = await fetch(api.resolve(created.upload.url), { method: "PUT", headers: created.upload.headers, body: bytes });
  if (!put.ok) throw new Error(`the upload failed: ${put.status}`);
  await api.completeUpload(created.video.id);
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const current = await api.getVideo(created.video.id);
    if (current.status === "ready") return current;
    if (current.status === "failed") throw new Error(`processing failed: ${current.error?.message}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error("the video did not become ready");
}
