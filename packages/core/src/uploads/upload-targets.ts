/**
 * Where a client sends the bytes of an upload.
 * - `put` (local): PUT the whole file to `url`, or PUT chunks of at most `chunkBytes` with a
 *   `Content-Range: bytes start-end/total` header each; GET `url` tells how many bytes arrived,
 *   so an interrupted upload resumes from there.
 * - `multipart` (S3): PUT each part of `partBytes` (the last one shorter) to its presigned URL,
 *   keep each response's ETag, then complete the video with `{ parts: [{ partNumber, etag }] }`.
 */
export type UploadTarget =
  | { kind: "put"; method: "PUT"; url: string; headers: Record<string, string>; chunkBytes: number }
  | { kind: "multipart"; uploadId: string; partBytes: number; parts: { partNumber: number; url: string }[] };

export interface UploadedPart {
  partNumber: number;
  etag: string;
}

export interface UploadSubject {
  id: string;
  blobKey: string;
  contentType: string;
  sizeBytes: number;
}

/**
 * How uploads reach the blob store: chunked PUTs to the local API, or presigned S3 multipart
 * uploads that never pass through the API.
 */
export interface UploadTargets {
  start(video: UploadSubject): Promise<UploadTarget>;
  /**
   * The same unfinished upload with fresh URLs (S3: the same upload id, every part presigned
   * again), for a client resuming after its URLs expired; throws when no upload was started.
   */
  renew(video: UploadSubject): Promise<UploadTarget>;
  /** Assembles the upload (S3: CompleteMultipartUpload with the parts' ETags); then the blob exists. */
  complete(video: UploadSubject, parts: UploadedPart[] | undefined): Promise<void>;
  /** Drops an unfinished upload (the video was deleted before completing). */
  abort(video: UploadSubject): Promise<void>;
}
