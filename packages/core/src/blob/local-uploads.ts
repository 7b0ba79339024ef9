import type { UploadTargets } from "../services.js";

/** Chunks a browser sends at most per request to the local API. */
export const LOCAL_CHUNK_BYTES = 8 * 1024 * 1024;

/** Local uploads go through the API's upload route, which writes the blob store itself. */
export function createLocalUploadTargets(): UploadTargets {
  return {
    async start(video) {
      return {
        kind: "put",
        method: "PUT",
        url: `/api/videos/${video.id}/upload`,
        headers: { "content-type": video.contentType },
        chunkBytes: LOCAL_CHUNK_BYTES,
      };
    },
    async complete() {},
    async abort() {},
  };
}
