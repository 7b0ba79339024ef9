import { and, count, eq, gte, lt, or, sql } from "drizzle-orm";
import type { Database } from "../db/database.js";
import { frameTable, type FrameRow } from "./frame.sql.js";

export { frameTable, type FrameRow } from "./frame.sql.js";

type Tx = Pick<Database, "insert" | "select">;
type Writer = Pick<Database, "delete">;

export const thumbnailKey = (tenantId: string, videoId: string, frameNo: number) =>
  `${tenantId}/videos/${videoId}/frames/${String(frameNo).padStart(6, "0")}.jpg`;

/** Inserts frames, overwriting rows a previous attempt wrote (retries are idempotent). */
export async function upsertMany(tx: Tx, rows: (typeof frameTable.$inferInsert)[]): Promise<void> {
  if (rows.length === 0) return;
  await tx
    .insert(frameTable)
    .values(rows)
    .onConflictDoUpdate({
      target: [frameTable.videoId, frameTable.frameNo],
      set: { timeSec: sql`excluded.time_sec`, endSec: sql`excluded.end_sec`, reason: sql`excluded.reason`, thumbnailKey: sql`excluded.thumbnail_key` },
    });
}

/** Frames by (video, frame number), for hydrating vector hits; unknown keys are skipped. */
export async function byKeys(db: Tx, tenantId: string, keys: { videoId: string; frameNo: number }[]): Promise<FrameRow[]> {
  if (keys.length === 0) return [];
  return db
    .select()
    .from(frameTable)
    .where(and(eq(frameTable.tenantId, tenantId), or(...keys.map((key) => and(eq(frameTable.videoId, key.videoId), eq(frameTable.frameNo, key.frameNo))))));
}

/** A video's frames, or those numbered in [from, to) (one segment's). */
export async function countForVideo(db: Tx, videoId: string, numbers?: { from: number; to: number }): Promise<number> {
  const inRange = numbers ? and(gte(frameTable.frameNo, numbers.from), lt(frameTable.frameNo, numbers.to)) : undefined;
  const [row] = await db.select({ n: count() }).from(frameTable).where(and(eq(frameTable.videoId, videoId), inRange));
  return row?.n ?? 0;
}

export async function listForVideo(db: Tx, videoId: string): Promise<FrameRow[]> {
  return db.select().from(frameTable).where(eq(frameTable.videoId, videoId)).orderBy(frameTable.frameNo);
}

/** Drops a video's frames (a job that failed starts its video over). */
export async function removeForVideo(tx: Writer, videoId: string): Promise<void> {
  await tx.delete(frameTable).where(eq(frameTable.videoId, videoId));
}
