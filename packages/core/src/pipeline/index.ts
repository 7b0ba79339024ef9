export { describeFailure, failPermanently, ingest, IngestCancelled, type IngestContext } from "./ingest.js";
export { retryDelaySec, startWorkerPool, type WorkerPool, type WorkerPoolOptions } from "./worker-pool.js";
