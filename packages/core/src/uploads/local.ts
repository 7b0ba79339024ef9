/**
 * The local adapter of UploadTargets: the browser or the CLI PUTs the file, whole or in ordered
 * chunks, to the API's upload route, which writes it into the blob store itself. The chunks of an
 * unfinished upload wait in the blob store (`localChunks`) until the last one assembles the file.
 */
import { Readable } from "node:stream";
import type { BlobStore } from "../blob/blob-store.js";
import type { UploadSubject, UploadTarget, UploadTargets } from "./upload-targets.js";

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

/** The chunks received so far of one local upload, kept under `prefix` in the blob store. */
export interface LocalChunks {
  /** Where the chunk starting at byte `offset` is stored (zero-padded, so keys sort by offset). */
  key(offset: number): string;
  /** Bytes of all chunks stored so far. */
  received(): Promise<number>;
  /** Joins the chunks, in order, into the blob at `blobKey`, then drops them. */
  assemble(blobKey: string, options: { contentType: string; maxBytes: number }): Promise<void>;
  /** Drops every chunk (the file arrived whole). */
  drop(): Promise<number>;
}

export function localChunks(blobs: BlobStore, prefix: string): LocalChunks {
  return {
    key: (offset) => `${prefix}${String(offset).padStart(15, "0")}`,
    async received() {
      let total = 0;
      for (const key of await blobs.list(prefix)) total += (await blobs.stat(key))?.size ?? 0;
      return total;
    },
    async assemble(blobKey, options) {
      const keys = await blobs.list(prefix);
      async function* concatenated() {
        for (const key of keys) yield* await blobs.get(key);
      }
      await blobs.put(blobKey, Readable.from(concatenated()), options);
      await blobs.deletePrefix(prefix);
    },
    drop: () => blobs.deletePrefix(prefix),
  };
}
