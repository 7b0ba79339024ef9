import { mkdir } from "node:fs/promises";
import path from "node:path";
import { createFileBlobStore } from "../blob/file-blob-store.js";
import { createLocalUploadTargets } from "../blob/local-uploads.js";
import type { Config } from "../config.js";
import { openPglite } from "../db/pglite.js";
import { createLogger, setLogLevel, type Logger } from "../log.js";
import { startWorkerPool, type WorkerPool } from "../pipeline/worker-pool.js";
import { createDbJobQueue } from "../queue/db-job-queue.js";
import type { Services } from "../services.js";
import { createPgvectorStore } from "../vector/pgvector-index.js";
import { lockDataDir } from "./data-lock.js";
import { modelLoaders, settingsFrom } from "./shared.js";
import { recoverJobs } from "./recover-jobs.js";

export interface EmbeddedRuntime {
  services: Services;
  config: Config;
  /** Undefined when started with `workers: false` (an API-only process). */
  pool: WorkerPool | undefined;
  close(): Promise<void>;
}

/** Local URL of a stored file: served by the API's files route. */
export const fileUrl = (key: string) => `/api/files/${key.split("/").map(encodeURIComponent).join("/")}`;

/**
 * The composition root of the embedded runtime (`vos serve`, the CLI without a server, tests):
 * PGlite + pgvector and files in the data folder, the database job queue and an in-process
 * worker pool. Holds the data-folder lock until closed.
 */
export async function startEmbeddedRuntime(config: Config, options: { workers?: boolean; log?: Logger } = {}): Promise<EmbeddedRuntime> {
  setLogLevel(config.logLevel);
  const log = options.log ?? createLogger({ runtime: "embedded" });
  await mkdir(config.dataDir, { recursive: true });
  const lock = lockDataDir(config.dataDir);
  try {
    const database = await openPglite(path.join(config.dataDir, "db"));
    const queue = await createDbJobQueue(database.sql, { maxReceiveCount: config.maxAttempts + 1 });
    // The lock proves no other process holds messages: what was in flight died with its owner.
    const released = await queue.releaseAll();
    if (released > 0) log.info("resuming interrupted jobs", { jobs: released });
    let pool: WorkerPool | undefined;
    const services: Services = {
      db: database.db,
      blobs: createFileBlobStore(path.join(config.dataDir, "blobs"), fileUrl),
      uploads: createLocalUploadTargets(),
      queue: {
        ...queue,
        async send(message, sendOptions) {
          await queue.send(message, sendOptions);
          pool?.notify();
        },
      },
      vectors: await createPgvectorStore(database.sql),
      ...modelLoaders(config),
      settings: settingsFrom(config),
      log,
      cancelJob: (jobId) => pool?.cancel(jobId),
    };
    await recoverJobs(services, queue);
    if (options.workers ?? true) pool = startWorkerPool(services, { concurrency: config.workers });
    return {
      services,
      config,
      pool,
      async close() {
        await pool?.stop();
        await database.close();
        lock.release();
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}
