import path from "node:path";
import { createFileBlobStore, removeOlderThan, removeStalePartials } from "../../blob/file.js";
import { createLocalUploadTargets } from "../../uploads/local.js";
import type { Config } from "../../config.js";
import { openPglite } from "../../db/pglite.js";
import { DATA_FOLDER_HINT, errorMessage, storageFull } from "../../error.js";
import * as Library from "../../library/index.js";
import { createLogger, setLogLevel, type Logger } from "../../log.js";
import { startWorkerPool, type WorkerPool } from "../../pipeline/worker-pool.js";
import { QUERY_PICTURE_DAYS, QUERY_PICTURES_FOLDER } from "../../search/query-pictures.js";
import { createDbJobQueue } from "../../queue/database.js";
import * as Video from "../../video/index.js";
import type { Services } from "../../services.js";
import { createPgvectorStore } from "../../vector/pgvector.js";
import { createDataDir, dataDirError } from "./data-dir.js";
import { lockDataDir } from "./data-lock.js";
import { modelLoaders, settingsFrom } from "../shared.js";
import { recoverJobs } from "./recover-jobs.js";

export interface EmbeddedRuntime {
  services: Services;
  config: Config;
  /** Undefined when started with `workers: false` (an API-only process). */
  pool: WorkerPool | undefined;
  close(): Promise<void>;
}

const DAY_MS = 24 * 3600 * 1000;
const PICTURE_SWEEP_MS = 6 * 3600 * 1000;

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
  // A folder that cannot be created or written, or a full disk, is explained here, not met later.
  await createDataDir(config.dataDir);
  const lock = lockDataDir(config.dataDir);
  let database: Awaited<ReturnType<typeof openPglite>> | undefined;
  try {
    database = await openPglite(path.join(config.dataDir, "db")).catch((error: unknown) => {
      throw dataDirError(error, config.dataDir, "written") ?? error;
    });
    const opened = database;
    const queue = await createDbJobQueue(database.sql, { maxReceiveCount: config.maxAttempts + 1 });
    // The lock proves no other process holds messages: what was in flight died with its owner.
    const released = await queue.releaseAll();
    if (released > 0) log.info("resuming interrupted jobs", { jobs: released });
    // Under the lock no write is in progress: a temporary file left is from a killed upload.
    const blobRoot = path.join(config.dataDir, "blobs");
    const stale = await removeStalePartials(blobRoot);
    if (stale.length > 0) log.info("removed unfinished writes of an earlier run", { files: stale.length });
    // Pictures searched for expire as S3's lifecycle rule expires them on AWS: swept now and
    // every few hours while the runtime lives.
    const sweepPictures = () =>
      removeOlderThan(blobRoot, QUERY_PICTURES_FOLDER, QUERY_PICTURE_DAYS * DAY_MS).then(
        (removed) => removed > 0 && log.info("removed expired search pictures", { files: removed }),
        (error: unknown) => log.warn("could not sweep expired search pictures", { error }),
      );
    await sweepPictures();
    let pool: WorkerPool | undefined;
    const services: Services = {
      db: database.db,
      blobs: createFileBlobStore(blobRoot, fileUrl),
      uploads: createLocalUploadTargets(),
      queue: {
        ...queue,
        async send(message, sendOptions) {
          await queue.send(message, sendOptions);
          pool?.notify();
        },
        async redrive(id) {
          const moved = await queue.redrive(id);
          if (moved) pool?.notify();
          return moved;
        },
      },
      vectors: await createPgvectorStore(database.sql),
      ...modelLoaders(config),
      settings: settingsFrom(config),
      log,
      cancelJob: (jobId) => pool?.cancel(jobId),
    };
    await recoverJobs(services, queue);
    // What an earlier process began and did not finish: deletions, and old vectors a library switch listed.
    await Video.finishDeletions(services).catch((error: unknown) => log.warn("deletions left for later", { error: errorMessage(error) }));
    await Library.removeStaleVectors(services).catch((error: unknown) => log.warn("old vectors left for later", { error: errorMessage(error) }));
    if (options.workers ?? true) pool = startWorkerPool(services, { concurrency: config.workers });
    const sweeper = setInterval(() => void sweepPictures(), PICTURE_SWEEP_MS).unref();
    return {
      services,
      config,
      pool,
      async close() {
        clearInterval(sweeper);
        await pool?.stop();
        await opened.close();
        lock.release();
      },
    };
  } catch (error) {
    // A start-up that failed half way (a full disk during migrations) leaves nothing open.
    await database?.close().catch(() => {});
    lock.release();
    throw storageFull(error, { path: config.dataDir, hint: DATA_FOLDER_HINT }) ?? error;
  }
}
