import type { BlobStore, UploadTarget } from "./blob/blob-store.js";
import type { Database } from "./db/database.js";
import type { Embedder } from "./embedder/index.js";
import type { Logger } from "./log.js";
import type { SamplingOptions } from "./media/index.js";
import type { JobQueue } from "./queue/job-queue.js";
import type { VectorStore } from "./vector/vector-index.js";

/** Limits and tuning the domain needs, taken from configuration by the composition root. */
export interface Settings {
  clipModel: string;
  maxUploadBytes: number;
  maxDurationSec: number;
  maxAttempts: number;
  visibilityTimeoutSec: number;
  sampling: SamplingOptions;
  frameWidth: number;
  embedBatch: number;
}

/** Where a client sends an upload's bytes: the local API route, or presigned S3 URLs. */
export interface UploadTargets {
  target(video: { id: string; blobKey: string; contentType: string; sizeBytes: number }): Promise<UploadTarget>;
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
  settings: Settings;
  log: Logger;
  /** Stops in-process work on a job (a deleted video); a no-op where work runs elsewhere. */
  cancelJob?(jobId: string): void;
}
