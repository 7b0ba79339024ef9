/**
 * The vectors a library switch leaves behind: each moved video's vectors in the set of the model
 * it left. The switch records them in its own transaction (`recordStale`), so they are never
 * forgotten: removed right after it commits, or, when that fails (the vector store answers with
 * an error, the process ends first), by the next `removeStaleVectors` (the cloud's reconciler,
 * the embedded runtime's start).
 *
 * A re-index back to a model whose old vectors are still listed takes over those videos: its jobs
 * write every vector again, so the rows are dropped rather than worked off. A removal running at
 * that moment would delete what the jobs write, so the re-index waits for it (`takeOverStale`).
 */
import { and, eq, gte, isNull, lt, or, type SQL } from "drizzle-orm";
import type { Database } from "../db/database.js";
import { errorMessage, VisibleError } from "../error.js";
import type { Services } from "../services.js";
import { memoiseByKey } from "../util/memo.js";
import { vectorId } from "../vector/vector-index.js";
import * as Video from "../video/index.js";
import { staleVectorsTable, type StaleVectorsRow } from "./library.sql.js";
import { lockLibrary, model } from "./models.js";

type Tx = Pick<Database, "select" | "insert" | "update" | "delete">;

/** A claim older than this was left by a process that ended mid-removal: it is taken again. */
export const STALE_CLAIM_MS = 5 * 60_000;
/** Rows read at a time. */
const BATCH = 200;

/** Records the old vectors of the videos a switch to `to` moves (those with vectors of another model). */
export async function recordStale(tx: Tx, tenantId: string, videos: { id: string; modelKey: string | null }[], to: string): Promise<void> {
  const moved = videos.filter((video) => video.modelKey !== null && video.modelKey !== to);
  if (moved.length === 0) return;
  // A video whose old model was never recorded has no set that can be found (its dimension is unknown).
  const known = new Set<string>();
  for (const key of new Set(moved.map((video) => video.modelKey!))) if (await model(tx, key)) known.add(key);
  const rows = moved.filter((video) => known.has(video.modelKey!)).map((video) => ({ videoId: video.id, tenantId, modelKey: video.modelKey! }));
  if (rows.length === 0) return;
  await tx
    .insert(staleVectorsTable)
    .values(rows)
    .onConflictDoUpdate({ target: [staleVectorsTable.videoId, staleVectorsTable.modelKey], set: { claimedAt: null, updatedAt: new Date() } });
}

/**
 * Called in the transaction that starts a re-index to `key` (the library row locked): the rows of
 * that model go, since the run writes those videos' vectors again. A removal under way refuses
 * the start for a moment instead.
 */
export async function takeOverStale(tx: Tx, tenantId: string, key: string, now = new Date()): Promise<void> {
  const mine = and(eq(staleVectorsTable.tenantId, tenantId), eq(staleVectorsTable.modelKey, key));
  const [busy] = await tx
    .select({ videoId: staleVectorsTable.videoId })
    .from(staleVectorsTable)
    .where(and(mine, gte(staleVectorsTable.claimedAt, new Date(now.getTime() - STALE_CLAIM_MS))))
    .limit(1);
  if (busy) {
    throw new VisibleError("reindex.removing_old_vectors", "The old vectors of this model are being removed from an earlier switch; start the re-index again in a minute.", 409);
  }
  await tx.delete(staleVectorsTable).where(mine);
}

export interface StaleRemoval {
  /** Videos whose old vectors are gone now (or needed no removal any more). */
  videos: number;
  /** Vectors removed. */
  vectors: number;
  /** Videos whose removal failed this time: still listed, tried again by the next call. */
  failed: number;
}

/**
 * Works off listed old vectors (of one tenant, or all): each row is claimed in a short
 * transaction that checks the library is not moving back to that model, its vectors are removed,
 * then the row. A failure leaves the row (unclaimed) for the next call, and the rows not yet read
 * too: the vector store is failing.
 */
export async function removeStaleVectors(svc: Services, options: { tenantId?: string; now?: Date; batch?: number } = {}): Promise<StaleRemoval> {
  const now = options.now ?? new Date();
  const result: StaleRemoval = { videos: 0, vectors: 0, failed: 0 };
  const free = or(isNull(staleVectorsTable.claimedAt), lt(staleVectorsTable.claimedAt, new Date(now.getTime() - STALE_CLAIM_MS)));
  const batch = options.batch ?? BATCH;
  const page = () =>
    svc.db
      .select()
      .from(staleVectorsTable)
      .where(and(options.tenantId ? eq(staleVectorsTable.tenantId, options.tenantId) : undefined, free))
      .orderBy(staleVectorsTable.createdAt)
      .limit(batch);
  // Page after page while every removal succeeds; after a failure the rest waits for the next call.
  for (;;) {
    const rows = await page();
    const failed = result.failed;
    await removeRows(svc, rows, free, now, result);
    if (rows.length < batch || result.failed > failed) break;
  }
  if (result.videos + result.failed > 0) svc.log.info("old vectors removed", { ...result });
  return result;
}

async function removeRows(svc: Services, rows: StaleVectorsRow[], free: SQL | undefined, now: Date, result: StaleRemoval): Promise<void> {
  // Rows come in runs of one model: its set is opened once (on Pinecone, a describe call each).
  const indexOf = memoiseByKey(async (key: string) => {
    const old = (await model(svc.db, key))!;
    return svc.vectors.index(old.key, old.dimension);
  });
  for (const row of rows) {
    const where = and(eq(staleVectorsTable.videoId, row.videoId), eq(staleVectorsTable.modelKey, row.modelKey));
    const claim = await svc.db.transaction(async (tx) => {
      const lib = await lockLibrary(tx, row.tenantId);
      const [current] = await tx.select().from(staleVectorsTable).where(and(where, free));
      if (!current) return "gone" as const;
      const video = await Video.lockRow(tx, row.videoId);
      // Its vectors in that set are live again (a re-index moved it back), or are being written.
      if (lib?.targetKey === row.modelKey || video?.modelKey === row.modelKey) {
        await tx.delete(staleVectorsTable).where(where);
        return "live" as const;
      }
      await tx.update(staleVectorsTable).set({ claimedAt: now, updatedAt: now }).where(where);
      return "claimed" as const;
    });
    if (claim === "gone") continue;
    if (claim === "live") {
      result.videos++;
      continue;
    }
    try {
      const index = await indexOf(row.modelKey);
      result.vectors += await index.deleteByPrefix(row.tenantId, vectorId.videoPrefix(row.videoId));
      await svc.db.delete(staleVectorsTable).where(where);
      result.videos++;
    } catch (error) {
      await svc.db.update(staleVectorsTable).set({ claimedAt: null, updatedAt: new Date() }).where(where);
      const video = { tenantId: row.tenantId, videoId: row.videoId, model: row.modelKey };
      svc.log.warn("old vectors of a video could not be removed; they are tried again later", { ...video, error: errorMessage(error) });
      result.failed++;
    }
  }
}
