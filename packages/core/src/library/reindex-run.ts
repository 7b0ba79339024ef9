/**
 * Moving a library to another model, blue/green: a re-index run makes every ready video's vectors
 * again with the target model (one `reindex` job per video, run by the workers like ingest jobs),
 * while searches keep using the active model and its vectors. When every job has succeeded, one
 * transaction switches the library and its videos to the target and lists their old vectors,
 * which are removed after (stale-vectors.ts). Videos uploaded meanwhile are indexed with the
 * target at once; a video that became ready on the old model meanwhile gets its own job before
 * the switch.
 */
import path from "node:path";
import { and, eq, inArray, isNotNull, isNull, ne, or } from "drizzle-orm";
import type { Database } from "../db/database.js";
import type { Embedder } from "../embedder/index.js";
import { errorMessage, VisibleError } from "../error.js";
import * as Job from "../job/index.js";
import type { Services } from "../services.js";
import { createId } from "../util/id.js";
import * as Video from "../video/index.js";
import { libraryTable, modelTable, type LibraryRow } from "./library.sql.js";
import { ensureLibrary, library, loadModel, lockLibrary, model, register, retryingLoads } from "./models.js";
import { recordStale, removeStaleVectors, takeOverStale } from "./stale-vectors.js";

type Tx = Pick<Database, "select" | "insert" | "update" | "delete">;

/** Ready videos of the tenant whose vectors are not `key`'s: what moving the library to `key` re-embeds. */
export async function videosToMove(db: Pick<Database, "select">, tenantId: string, key: string): Promise<string[]> {
  const rows = await db
    .select({ id: Video.videoTable.id })
    .from(Video.videoTable)
    .where(and(eq(Video.videoTable.tenantId, tenantId), eq(Video.videoTable.status, "ready"), or(isNull(Video.videoTable.modelKey), ne(Video.videoTable.modelKey, key))))
    .orderBy(Video.videoTable.id);
  return rows.map((row) => row.id);
}

/** Whether a video of the tenant is being indexed with another model than `key` (started before the re-index). */
async function indexingWithAnother(tx: Pick<Database, "select">, tenantId: string, key: string): Promise<boolean> {
  const [found] = await tx
    .select({ id: Video.videoTable.id })
    .from(Video.videoTable)
    .where(
      and(
        eq(Video.videoTable.tenantId, tenantId),
        inArray(Video.videoTable.status, ["queued", "processing"]),
        isNotNull(Video.videoTable.modelKey),
        ne(Video.videoTable.modelKey, key),
      ),
    )
    .limit(1);
  return found !== undefined;
}

async function sendAll(svc: Services, jobs: Job.JobRow[]): Promise<void> {
  for (const [i, job] of jobs.entries()) {
    try {
      await svc.queue.send({ jobId: job.id, videoId: job.videoId, tenantId: job.tenantId });
    } catch (error) {
      // Jobs without a message would wait forever: failed, a resumed re-index sends them again.
      const failure = { code: "queue.unavailable", message: `the jobs queue refused the message: ${errorMessage(error)}` };
      for (const unsent of jobs.slice(i)) await Job.fail(svc.db, unsent.id, failure);
      throw error;
    }
  }
}

/**
 * Starts moving the tenant's library to `target` (default: the configured model), or resumes the
 * run already moving it there (its failed jobs get fresh attempts). A run to another model must
 * end first. Nothing to move and already on `target`: nothing happens.
 */
export async function startReindex(svc: Services, tenantId: string, target: Embedder): Promise<{ runId: string | null; queued: number }> {
  await register(svc.db, target);
  const key = target.identity.key;
  const made = await svc.db.transaction(async (tx) => {
    let lib = await lockLibrary(tx, tenantId);
    if (!lib) {
      await ensureLibrary(tx, tenantId, key);
      lib = (await lockLibrary(tx, tenantId))!;
    }
    if (lib.targetKey && lib.targetKey !== key) {
      const running = await model(tx, lib.targetKey);
      throw new VisibleError("reindex.running", `A re-index to ${running?.name ?? lib.targetKey} is running; start another when it has finished.`, 409);
    }
    if (lib.targetKey) return { runId: lib.reindexRunId, jobs: await Job.reviveFailedSegments(tx, lib.reindexRunId!) };
    const videoIds = await videosToMove(tx, tenantId, key);
    if (videoIds.length === 0 && lib.activeKey === key) return { runId: null, jobs: [] };
    await takeOverStale(tx, tenantId, key);
    const runId = createId("reindex");
    await tx.update(libraryTable).set({ targetKey: key, reindexRunId: runId, reindexStartedAt: new Date(), updatedAt: new Date() }).where(eq(libraryTable.tenantId, tenantId));
    return { runId, jobs: await Job.createReindex(tx, { tenantId, runId, videoIds, maxAttempts: svc.settings.maxAttempts }) };
  });
  if (made.runId) svc.log.info("re-index queued", { tenantId, runId: made.runId, model: target.identity.name, jobs: made.jobs.length });
  await sendAll(svc, made.jobs);
  await settle(svc, tenantId);
  return { runId: made.runId, queued: made.jobs.length };
}

type Settled = { kind: "wait" } | { kind: "queue"; jobs: Job.JobRow[] } | { kind: "switched"; from: string; to: string; videos: number };

/**
 * Called whenever a re-index job ends, a video of a moving library becomes ready, and when the
 * run's state is read: when every job of the run has succeeded, queues jobs for videos that became
 * ready on another model meanwhile, or, when none is left, switches the library and its videos to
 * the target in one transaction, then removes their old vectors (which that transaction lists).
 * A failed job holds the switch: the old model keeps answering until the run is resumed.
 */
export async function settle(svc: Services, tenantId: string): Promise<void> {
  // Called whenever any video becomes ready: with no run going (the common case) one read answers.
  if (!(await library(svc.db, tenantId))?.targetKey) return;
  const settled = await svc.db.transaction(async (tx): Promise<Settled> => {
    const lib = await lockLibrary(tx, tenantId);
    if (!lib?.targetKey || !lib.reindexRunId) return { kind: "wait" };
    const jobs = await Job.ofRun(tx, lib.reindexRunId);
    if (jobs.some((job) => job.status !== "succeeded")) return { kind: "wait" };
    const moved = new Set(jobs.map((job) => job.videoId));
    const missed = (await videosToMove(tx, tenantId, lib.targetKey)).filter((id) => !moved.has(id));
    if (missed.length > 0) {
      return { kind: "queue", jobs: await Job.createReindex(tx, { tenantId, runId: lib.reindexRunId, videoIds: missed, maxAttempts: svc.settings.maxAttempts }) };
    }
    if (await indexingWithAnother(tx, tenantId, lib.targetKey)) return { kind: "wait" };
    return switchLibrary(tx, lib, [...moved]);
  });
  if (settled.kind === "queue") {
    svc.log.info("re-index: videos that became ready meanwhile queued", { tenantId, jobs: settled.jobs.length });
    await sendAll(svc, settled.jobs);
  }
  if (settled.kind === "switched") {
    svc.log.info("library switched to its new model", { tenantId, from: settled.from, to: settled.to, videos: settled.videos });
    // What this leaves stays listed for the reconciler or the next start.
    await removeStaleVectors(svc, { tenantId }).catch((error: unknown) => svc.log.warn("old vectors left for later", { tenantId, error: errorMessage(error) }));
  }
}

async function switchLibrary(tx: Tx, lib: LibraryRow, videoIds: string[]): Promise<Settled> {
  const target = (await model(tx, lib.targetKey!))!;
  const videos =
    videoIds.length === 0
      ? []
      : await tx
          .select({ id: Video.videoTable.id, modelKey: Video.videoTable.modelKey })
          .from(Video.videoTable)
          .where(and(eq(Video.videoTable.tenantId, lib.tenantId), inArray(Video.videoTable.id, videoIds)));
  await recordStale(tx, lib.tenantId, videos, target.key);
  for (const video of videos) await Video.setModel(tx, video.id, target);
  await tx.update(libraryTable).set({ activeKey: target.key, targetKey: null, updatedAt: new Date() }).where(eq(libraryTable.tenantId, lib.tenantId));
  return { kind: "switched", from: lib.activeKey, to: target.key, videos: videos.length };
}

/**
 * The model a re-index request names (its key, name or source), loaded so that a bad name fails
 * the request rather than a job: the configured model (the default, or named by its setting) or
 * one the library recorded. A name that is neither is refused before any model is loaded, and a
 * request never names a path or hub id the server was not configured with.
 */
export async function targetModel(given: Services, name?: string): Promise<Embedder> {
  // A user who fixed the model's files and asks again gets a fresh load, not the kept failure.
  const svc = retryingLoads(given);
  const setting = svc.settings.clipModel;
  if (!name || name === setting || path.resolve(name) === path.resolve(setting)) return svc.embedder();
  const recorded = await svc.db.select().from(modelTable).orderBy(modelTable.createdAt);
  const found = recorded.find((row) => row.key === name || row.name === name || row.source === name);
  if (!found) {
    const choices = [setting, ...new Set(recorded.map((row) => row.name))].join(", ");
    throw new VisibleError(
      "reindex.unknown_model",
      `${name} is not a model this server can re-index to. Name the configured model or one the library used before (${choices}); for another, configure the server with it (VOS_CLIP_MODEL).`,
      422,
    );
  }
  return loadModel(svc, found.key);
}
