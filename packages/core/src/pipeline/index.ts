export { describeFailure, failPermanently, ingest, IngestCancelled, type IngestContext } from "./ingest.js";
export { retryDelaySec, runJob, type JobOutcome, type RunJobOptions } from "./run-job.js";
export { startWorkerPool, type WorkerPool, type WorkerPoolOptions } from "./worker-pool.js";
