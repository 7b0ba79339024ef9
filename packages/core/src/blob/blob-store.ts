import type { Readable } from "node:stream";

export interface BlobInfo {
  size: number;
  contentType?: string;
}

/** Files: uploads, thumbnails. Keys look like `<tenant>/videos/<videoId>/source`. */
export interface BlobStore {
  /** Writes all of `body` or nothing: a failed or aborted write leaves no object behind. */
  put(key: string, body: Readable | Uint8Array, options?: { contentType?: string; maxBytes?: number }): Promise<BlobInfo>;
  get(key: string, range?: { start: number; end?: number }): Promise<Readable>;
  stat(key: string): Promise<BlobInfo | undefined>;
  delete(key: string): Promise<void>;
  /** Deletes every object under `prefix` and returns how many there were. */
  deletePrefix(prefix: string): Promise<number>;
  list(prefix: string): Promise<string[]>;
  /** A path or URL ffmpeg can read directly (no copy). */
  source(key: string): Promise<string>;
  /** A URL a browser can GET (thumbnails, playback). */
  url(key: string): Promise<string>;
}

/** Raised by `put` when the body is longer than `maxBytes`. */
export class BlobTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`the body is larger than ${maxBytes} bytes`);
  }
}
