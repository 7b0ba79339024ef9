import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createFileBlobStore } from "../../src/blob/index.js";
import { openPglite, type DatabaseHandle } from "../../src/db/index.js";
import { createLogger } from "../../src/log.js";
import { createDbJobQueue } from "../../src/queue/index.js";
import type { Services, Settings } from "../../src/services.js";
import { createLocalUploadTargets } from "../../src/uploads/index.js";
import { createPgvectorStore } from "../../src/vector/index.js";
import { loadClipEmbedder } from "../../src/embedder/index.js";

export const testSettings = (overrides: Partial<Settings> = {}): Settings => ({
  clipModel: "unused",
  maxUploadBytes: 10 * 1024 * 1024,
  maxDurationSec: 600,
  maxAttempts: 3,
  visibilityTimeoutSec: 30,
  sampling: { fps: 1, sceneThreshold: 0.25, dedup: false, maxGapSec: 10 },
  segmentSec: 0,
  frameWidth: 320,
  embedBatch: 8,
  ...overrides,
});

/**
 * Real services over a given database: files in a temporary folder, the database queue, and
 * pgvector (on the same database when it is PGlite, else on a PGlite beside it, since stock
 * PostgreSQL has no pgvector).
 */
export async function servicesOn(handle: DatabaseHandle, settings: Partial<Settings> = {}): Promise<{ svc: Services; close(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "vos-test-"));
  const vectorDb = handle.driver === "pglite" ? handle : await openPglite();
  const resolved = testSettings(settings);
  const svc: Services = {
    db: handle.db,
    blobs: createFileBlobStore(path.join(dir, "blobs"), (key) => `/api/files/${key}`),
    uploads: createLocalUploadTargets(),
    queue: await createDbJobQueue(handle.sql, { maxReceiveCount: resolved.maxAttempts + 1 }),
    vectors: await createPgvectorStore(vectorDb.sql),
    embedder: () => loadClipEmbedder({ model: resolved.clipModel, batchSize: resolved.embedBatch }),
    settings: resolved,
    log: createLogger({ test: true }),
  };
  return {
    svc,
    async close() {
      if (vectorDb !== handle) await vectorDb.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
