import type { BlobStore, UploadedPart, UploadTarget } from "./blob/blob-store.js";
import type { Database } from "./db/database.js";
import type { ObjectDetector } from "./detector/index.js";
import type { Embedder } from "./embedder/index.js";
import type { Logger } from "./log.js";
import type { MediaPolicy, SamplingOptions } from "./media/index.js";
import type { RateLimits } from "./rate-limit/index.js";
import type { JobQueue } from "./queue/job-queue.js";
import type { VectorStore } from "./vector/vector-index.js";

/** Limits and tuning the domain needs, taken from configuration by the composition root. */
export interface Settings {
  clipModel: string;
  maxUploadBytes: number;
  maxDurationSec: number;
  /** Accepted containers, codecs and picture size; absent: whatever ffmpeg reads. */
  media?: MediaPolicy;
  /** Per-tenant request rates of the API; absent: no limits. */
  rateLimits?: RateLimits;
  maxAttempts: number;
  visibilityTimeoutSec: number;
  sampling: SamplingOptions;
  frameWidth: number;
  embedBatch: number;
  /** Similarity at which a positive label carries over to a near-duplicate object (default 0.95). */
  propagateScore?: number;
  /** Similarity at which a labelled object's neighbour votes for a probable label (default 0.85). */
  probableScore?: number;
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

/**
 * The ports the domain works through, chosen once per runtime by its composition root.
 * Domain functions take this object first and never ask which runtime they run in.
 */
export interface Services {
  db: Database;
  blobs: BlobStore;
  uploads: UploadTargets;
  queue: JobQueue;
  vectors: VectorStore;
  /** Loaded on first use, once per process. */
  embedder(): Promise<Embedder>;
  /** The object detector, loaded on first use; absent or undefined when detection is off. */
  detector?(): Promise<ObjectDetector | undefined>;
  settings: Settings;
  log: Logger;
  /** Stops in-process work on a job (a deleted video); a no-op where work runs elsewhere. */
  cancelJob?(jobId: string): void;
}
