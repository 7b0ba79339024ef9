import type { BlobStore } from "./blob/blob-store.js";
import type { Database } from "./db/database.js";
import type { ObjectDetector } from "./detector/index.js";
import type { Embedder, ModelSource } from "./embedder/index.js";
import type { Logger } from "./log.js";
import type { MediaPolicy, SamplingOptions } from "./media/index.js";
import type { RateLimits } from "./rate-limit/index.js";
import type { JobQueue } from "./queue/job-queue.js";
import type { UploadTargets } from "./uploads/upload-targets.js";
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
  /** Seconds of video per segment job (pipeline/segments.ts); 0: never split. */
  segmentSec: number;
  frameWidth: number;
  embedBatch: number;
  /** Seconds between two embedded crops of one track (object/embed-plan.ts); 0: every detection. */
  trackEmbedSec?: number;
  /** Similarity at which a positive label carries over to a near-duplicate object (default 0.95). */
  propagateScore?: number;
  /** Similarity at which a labelled object's neighbour votes for a probable label (default 0.85). */
  probableScore?: number;
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
  /**
   * The configured model (VOS_CLIP_MODEL), or the one `source` names (a library's model, see
   * library/); each loaded on first use, once per process, with the configured device and threads.
   * A load that failed answers with its failure for a short while, so searches and status calls
   * do not repeat it; `retryFailure` loads again at once (a job's attempt, a re-index a user
   * starts: the cause may just have been fixed).
   */
  embedder(source?: ModelSource, options?: { retryFailure?: boolean }): Promise<Embedder>;
  /** The object detector, loaded on first use; absent or undefined when detection is off. */
  detector?(): Promise<ObjectDetector | undefined>;
  settings: Settings;
  log: Logger;
  /** Stops in-process work on a job (a deleted video); a no-op where work runs elsewhere. */
  cancelJob?(jobId: string): void;
}
