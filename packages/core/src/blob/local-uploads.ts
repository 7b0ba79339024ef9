import type { UploadSubject, UploadTargets } from "../services.js";
import type { UploadTarget } from "./blob-store.js";

/** Chunks a browser sends at most per request to the local API. */
export const LOCAL_CHUNK_BYTES = 8 * 1024 * 1024;

/** Local uploads go through the API's upload route, which writes the blob store itself. */
export function createLocalUploadTargets(): UploadTargets {
  const target = (video: UploadSubject): UploadTarget => ({
    kind: "put",
    method: "PUT",
    url: `/api/videos/${video.id}/upload`,
    headers: { "content-type": video.contentType },
    chunkBytes: LOCAL_CHUNK_BYTES,
  });
  return {
    async start(video) {
      return target(video);
    },
    // The route never expires: resuming asks it (GET) how many bytes arrived.
    async renew(video) {
      return target(video);
    },
    async complete() {},
    async abort() {},
  };
}
