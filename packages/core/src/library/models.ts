/**
 * Which model makes a tenant's vectors. A library has one active model: searches embed with it and
 * new videos are indexed with it, so every vector a search can reach is comparable. Changing
 * VOS_CLIP_MODEL does not move a library: it keeps its model (loaded from where it was recorded)
 * until a re-index (reindex-run.ts) moves every video to the new one. A video keeps the model its
 * first job chose, so the segments and retries of one video never mix two models.
 */
import { eq } from "drizzle-orm";
import type { Database } from "../db/database.js";
import type { Embedder, ModelSource } from "../embedder/index.js";
import { errorMessage, VisibleError } from "../error.js";
import type { Services } from "../services.js";
import type { VectorIndex } from "../vector/vector-index.js";
import * as Video from "../video/index.js";
import { libraryTable, modelTable, type LibraryRow, type ModelRow } from "./library.sql.js";

type Tx = Pick<Database, "insert" | "select">;

/** Whether `embedder` is the model stored under `key` (its identity, or a name it was stored under before identities). */
export const isModel = (embedder: Embedder, key: string) => embedder.identity.key === key || embedder.identity.aliases.includes(key);

export const sourceOf = (row: ModelRow): ModelSource => ({
  model: row.source,
  revision: row.revision,
  textDtype: row.textDtype as ModelSource["textDtype"],
  visionDtype: row.visionDtype as ModelSource["visionDtype"],
});

/** Records a model the library indexes with (once: its first source is kept). */
export async function register(db: Pick<Database, "insert">, embedder: Embedder): Promise<void> {
  const { source, identity } = embedder;
  await db
    .insert(modelTable)
    .values({
      key: identity.key,
      name: identity.name,
      source: source.model,
      revision: source.revision,
      textDtype: source.textDtype,
      visionDtype: source.visionDtype,
      dimension: embedder.dimension,
    })
    .onConflictDoNothing();
}

export async function model(db: Pick<Database, "select">, key: string): Promise<ModelRow | undefined> {
  const [row] = await db.select().from(modelTable).where(eq(modelTable.key, key));
  return row;
}

export async function library(db: Pick<Database, "select">, tenantId: string): Promise<LibraryRow | undefined> {
  const [row] = await db.select().from(libraryTable).where(eq(libraryTable.tenantId, tenantId));
  return row;
}

/** The tenant's library row, locked until the transaction ends: what a re-index's start, switch and old-vector removals serialise on. */
export async function lockLibrary(tx: Pick<Database, "select">, tenantId: string): Promise<LibraryRow | undefined> {
  const [row] = await tx.select().from(libraryTable).where(eq(libraryTable.tenantId, tenantId)).for("update");
  return row;
}

/** The tenant's library row, made with `activeKey` (a registered model) when it has none yet. */
export async function ensureLibrary(db: Tx, tenantId: string, activeKey: string): Promise<LibraryRow> {
  await db.insert(libraryTable).values({ tenantId, activeKey }).onConflictDoNothing();
  return (await library(db, tenantId))!;
}

const unavailable = (message: string) =>
  new VisibleError("model.unavailable", `${message}. A re-index (vos reindex) moves the library to the configured model without it.`, 503, false);

/**
 * The model stored under `key`, loaded from where it was recorded: the configured model when it
 * is that one. A model that cannot be loaded (never recorded here, its folder gone, its files
 * changed) is a `model.unavailable` error, transient: the files may come back. A configured model
 * that cannot load (`configured` null: known not to) is no reason to refuse a recorded one.
 */
export async function loadModel(svc: Services, key: string, configured?: Embedder | null): Promise<Embedder> {
  const mine = configured === undefined ? await svc.embedder().catch(() => null) : configured;
  if (mine && isModel(mine, key)) return mine;
  const row = await model(svc.db, key);
  if (!row) throw unavailable(`the model ${key} is not one this library recorded, so it cannot be loaded`);
  // A load that failed answers with its failure for a while (modelLoaders), so a burst of
  // searches falling back from this model does not read its files again each time; a job's
  // attempt loads again (retryingLoads).
  const loaded = await svc.embedder(sourceOf(row)).catch((error: unknown) => {
    throw unavailable(`the model ${row.name} cannot be loaded from ${row.source}: ${errorMessage(error)}`);
  });
  if (!isModel(loaded, key)) throw unavailable(`${row.source} no longer holds the model ${row.name} (${key}): its files changed (now ${loaded.identity.key})`);
  return loaded;
}

/**
 * `svc` whose model loads try again a load that failed a moment ago instead of answering with the
 * failure kept for searches: for a job's attempt (a retry after the cause was fixed must not meet
 * the old failure, nor spend its attempts on it) and a re-index a user starts.
 */
export const retryingLoads = (svc: Services): Services => ({ ...svc, embedder: (source) => svc.embedder(source, { retryFailure: true }) });

const noted = new Set<string>();
function noteOnce(svc: Services, level: "info" | "warn", key: string, message: string, fields: Record<string, unknown>) {
  if (noted.has(key)) return;
  noted.add(key);
  svc.log[level](message, fields);
}

/**
 * The model a tenant's searches embed with: the library's active model, or the configured one
 * while the tenant has no library yet. When the active model cannot be loaded, the configured one
 * answers (logged), and search says which videos it cannot reach (search/model-mismatch.ts).
 * When the configured one cannot be loaded, the library's still answers.
 */
export async function searchEmbedder(svc: Services, tenantId: string): Promise<Embedder> {
  return embedderFor(svc, tenantId, await library(svc.db, tenantId));
}

/**
 * Runs a search with the library's model. A library that switched models while it ran (a
 * re-index finishing) may have lost the old vectors under it: the search runs again with the
 * new model, so no answer comes back empty for that.
 */
export async function withSearchModel<T>(svc: Services, tenantId: string, search: (embedder: Embedder) => Promise<T>): Promise<T> {
  const before = await library(svc.db, tenantId);
  const result = await search(await embedderFor(svc, tenantId, before));
  const after = await library(svc.db, tenantId);
  if (after?.activeKey === before?.activeKey) return result;
  return search(await embedderFor(svc, tenantId, after));
}

/** `searchEmbedder` for a library row already read. */
export async function embedderFor(svc: Services, tenantId: string, lib: LibraryRow | undefined): Promise<Embedder> {
  if (!lib) return svc.embedder();
  // A configured model that cannot load does not stop searches while the library's own one loads.
  let configuredError: unknown;
  const configured = await svc.embedder().catch((error: unknown) => ((configuredError = error), null));
  if (!configured) return loadModel(svc, lib.activeKey, null).catch(() => Promise.reject(configuredError));
  if (isModel(configured, lib.activeKey)) return configured;
  try {
    const active = await loadModel(svc, lib.activeKey, configured);
    // Info, not a warning: a library keeping its model is the design (GET /api/reindex shows both).
    noteOnce(svc, "info", `differs:${tenantId}:${lib.activeKey}:${configured.identity.key}`, "the configured model is not the library's: the library's answers until a re-index moves it", {
      tenantId,
      library: active.identity.name,
      configured: configured.identity.name,
    });
    return active;
  } catch (error) {
    noteOnce(svc, "warn", `unavailable:${tenantId}:${lib.activeKey}`, "the library's model cannot be loaded: searching with the configured model", { tenantId, error: errorMessage(error) });
    return configured;
  }
}

/**
 * The model a video's vectors are made with: the one recorded on it, else the library's (the
 * re-index's target while one runs, so new videos need no moving), recorded on the video by
 * whichever of its jobs comes first. The first video of a tenant makes its library, with the
 * configured model.
 */
export async function videoEmbedder(svc: Services, tenantId: string, videoId: string): Promise<Embedder> {
  const video = await Video.find(svc, videoId);
  if (video?.modelKey) return loadModel(svc, video.modelKey);
  const lib = await library(svc.db, tenantId);
  if (!lib) {
    const configured = await svc.embedder();
    await register(svc.db, configured);
    await ensureLibrary(svc.db, tenantId, configured.identity.key);
    return claim(svc, videoId, configured);
  }
  // The library's model loads from where it was recorded: a configured model that cannot load
  // (its folder gone) does not stop new videos of a library that has its own.
  const chosen = await loadModel(svc, lib.targetKey ?? lib.activeKey);
  await register(svc.db, chosen);
  return claim(svc, videoId, chosen);
}

/** Records `chosen` on the video unless one of its other jobs recorded a model first, and answers the recorded one. */
async function claim(svc: Services, videoId: string, chosen: Embedder): Promise<Embedder> {
  if (await Video.claimModel(svc.db, videoId, chosen.identity)) return chosen;
  const claimed = await Video.find(svc, videoId);
  return claimed?.modelKey ? loadModel(svc, claimed.modelKey) : chosen;
}

/**
 * The vector set of the model stored under `modelKey` (a video's), without loading the model:
 * what works on stored vectors (similar objects, label votes) needs only its key and dimension.
 * A video from before models were recorded: the configured model's set.
 */
export async function vectorSet(svc: Services, modelKey: string | null): Promise<VectorIndex> {
  const row = modelKey ? await model(svc.db, modelKey) : undefined;
  if (row) return svc.vectors.index(row.key, row.dimension);
  const configured = await svc.embedder();
  return svc.vectors.index(configured.identity, configured.dimension);
}
