export { failPermanently, ingest, IngestCancelled, type IngestContext } from "./ingest.js";
export { runJob, type JobOutcome, type RunJobOptions } from "./run-job.js";
export { startWorkerPool, type WorkerPool, type WorkerPoolOptions } from "./worker-pool.js";
