/** The video's state as the pipeline changes it: status, counts, segments. */
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { frameTable } from "../frame/frame.sql.js";
import { objectTable } from "../object/object.sql.js";
import type { Services } from "../services.js";
import { videoTable, type VideoRow } from "./video.sql.js";

/** Status changes made by the pipeline. */
export async function setStatus(
  db: Pick<Services["db"], "update">,
  id: string,
  changes: Partial<
    Pick<VideoRow, "status" | "durationSec" | "width" | "height" | "fps" | "codec" | "frameCount" | "objectCount" | "errorCode" | "errorMessage" | "modelKey" | "modelName">
  >,
): Promise<void> {
  await db.update(videoTable).set({ ...changes, updatedAt: new Date() }).where(eq(videoTable.id, id));
}

/** A job starts on the video: processing, unless it is failed already (a segment of its run failed) or going away. */
export async function markProcessing(db: Pick<Services["db"], "update">, id: string): Promise<void> {
  await db
    .update(videoTable)
    .set({ status: "processing", errorCode: null, errorMessage: null, updatedAt: new Date() })
    .where(and(eq(videoTable.id, id), inArray(videoTable.status, ["queued", "processing"])));
}

/** The model whose vector set the video's vectors go to (see embedder/identity.ts). */
export async function setModel(db: Pick<Services["db"], "update">, id: string, model: { key: string; name: string }): Promise<void> {
  await db.update(videoTable).set({ modelKey: model.key, modelName: model.name, updatedAt: new Date() }).where(eq(videoTable.id, id));
}

/**
 * Records the model a video's first job chose, unless one is recorded already (another segment of
 * its run chose first). Returns whether this call recorded it.
 */
export async function claimModel(db: Pick<Services["db"], "update">, id: string, model: { key: string; name: string }): Promise<boolean> {
  const rows = await db
    .update(videoTable)
    .set({ modelKey: model.key, modelName: model.name, updatedAt: new Date() })
    .where(and(eq(videoTable.id, id), isNull(videoTable.modelKey)))
    .returning({ id: videoTable.id });
  return rows.length > 0;
}

/** How many segments the video's current run has (1: one job for the whole video). */
export async function setSegments(db: Pick<Services["db"], "update">, id: string, segments: number): Promise<void> {
  await db.update(videoTable).set({ segments, updatedAt: new Date() }).where(eq(videoTable.id, id));
}

/** The video's row, locked until the transaction ends (SELECT ... FOR UPDATE). */
export async function lockRow(tx: Pick<Services["db"], "select">, id: string): Promise<VideoRow | undefined> {
  const [locked] = await tx.select().from(videoTable).where(eq(videoTable.id, id)).for("update");
  return locked;
}

/** Sets the video's frame and object counts from its rows (committed so far, in every segment). */
export async function recount(db: Pick<Services["db"], "update">, id: string): Promise<{ frameCount: number; objectCount: number }> {
  const [counted] = await db
    .update(videoTable)
    .set({
      frameCount: sql`(SELECT count(*) FROM ${frameTable} WHERE ${frameTable.videoId} = ${id})::int`,
      objectCount: sql`(SELECT count(*) FROM ${objectTable} WHERE ${objectTable.videoId} = ${id})::int`,
      updatedAt: new Date(),
    })
    .where(eq(videoTable.id, id))
    .returning({ frameCount: videoTable.frameCount, objectCount: videoTable.objectCount });
  return counted ?? { frameCount: 0, objectCount: 0 };
}
