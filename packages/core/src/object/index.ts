import { and, asc, count, desc, eq, gte, inArray, lt, or } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../db/database.js";
import { VisibleError } from "../error.js";
import type { Services } from "../services.js";
import { vectorId } from "../vector/vector-index.js";
import { objectTable, type ObjectRow } from "./object.sql.js";

export { objectTable, type ObjectRow } from "./object.sql.js";

type Tx = Pick<Database, "insert" | "select" | "delete">;

export const boxSchema = z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() }).describe("box normalised to the frame (0-1), x/y = top-left");

/** An object as the API and CLI show it (also its OpenAPI schema). */
export const viewSchema = z.object({
  id: z.string().describe("object id, `<videoId>#o<frameNo>.<k>` (URL-encode the #)"),
  videoId: z.string(),
  frameNo: z.number().int(),
  timeSec: z.number(),
  endSec: z.number(),
  label: z.string().describe("the detector's label"),
  score: z.number().describe("the detector's confidence"),
  box: boxSchema,
  trackId: z.string().describe("the track the object belongs to (see GET /api/videos/{id}/tracks)"),
  cropUrl: z.string(),
});
export type ObjectView = z.infer<typeof viewSchema>;

export const idOf = (row: Pick<ObjectRow, "videoId" | "frameNo" | "k">) => vectorId.object(row.videoId, row.frameNo, row.k);

export const cropKey = (tenantId: string, videoId: string, frameNo: number, k: number) =>
  `${tenantId}/videos/${videoId}/objects/${String(frameNo).padStart(6, "0")}-${k}.jpg`;

export async function view(svc: Services, row: ObjectRow): Promise<ObjectView> {
  return {
    id: idOf(row),
    videoId: row.videoId,
    frameNo: row.frameNo,
    timeSec: row.timeSec,
    endSec: row.endSec,
    label: row.label,
    score: row.score,
    box: { x: row.boxX, y: row.boxY, w: row.boxW, h: row.boxH },
    trackId: row.trackId,
    cropUrl: await svc.blobs.url(row.cropKey),
  };
}

export class ObjectNotFound extends VisibleError {
  constructor(id: string) {
    super("object.not_found", `No object with id '${id}'.`, 404);
  }
}

/** Parses an object id, or answers not found for anything else. */
export function parseId(id: string): { videoId: string; frameNo: number; k: number } {
  const parsed = vectorId.parse(id);
  if (!parsed || parsed.kind !== "object") throw new ObjectNotFound(id);
  return parsed;
}

/** Replaces a frame's objects (a retried batch writes the same ones again). */
export async function replaceForFrames(tx: Tx, videoId: string, frameNos: number[], rows: (typeof objectTable.$inferInsert)[]): Promise<void> {
  if (frameNos.length > 0) await tx.delete(objectTable).where(and(eq(objectTable.videoId, videoId), inArray(objectTable.frameNo, frameNos)));
  if (rows.length > 0) await tx.insert(objectTable).values(rows);
}

export async function listForVideo(db: Pick<Database, "select">, tenantId: string, videoId: string): Promise<ObjectRow[]> {
  return db
    .select()
    .from(objectTable)
    .where(and(eq(objectTable.tenantId, tenantId), eq(objectTable.videoId, videoId)))
    .orderBy(asc(objectTable.frameNo), asc(objectTable.k));
}

/** Rows for object ids, in no particular order; unknown ids are skipped. */
export async function byIds(db: Tx, tenantId: string, ids: string[]): Promise<ObjectRow[]> {
  const keys = ids.flatMap((id) => {
    const parsed = vectorId.parse(id);
    return parsed?.kind === "object" ? [parsed] : [];
  });
  if (keys.length === 0) return [];
  return db
    .select()
    .from(objectTable)
    .where(
      and(
        eq(objectTable.tenantId, tenantId),
        or(...keys.map((key) => and(eq(objectTable.videoId, key.videoId), eq(objectTable.frameNo, key.frameNo), eq(objectTable.k, key.k)))),
      ),
    );
}

export async function get(svc: Services, tenantId: string, id: string): Promise<ObjectRow> {
  parseId(id);
  const [row] = await byIds(svc.db, tenantId, [id]);
  if (!row) throw new ObjectNotFound(id);
  return row;
}

/**
 * Tracks the detector labelled with any of `labels`, most confident first: one object per track,
 * its most confident detection among those with their own vector (a track's first always has one).
 */
export async function byLabels(db: Pick<Database, "select" | "selectDistinctOn">, tenantId: string, labels: string[], options: { videoId?: string; limit: number }): Promise<ObjectRow[]> {
  if (labels.length === 0) return [];
  const best = db
    .selectDistinctOn([objectTable.videoId, objectTable.trackId])
    .from(objectTable)
    .where(
      and(
        eq(objectTable.tenantId, tenantId),
        inArray(objectTable.label, labels),
        eq(objectTable.embedded, true),
        options.videoId ? eq(objectTable.videoId, options.videoId) : undefined,
      ),
    )
    .orderBy(objectTable.videoId, objectTable.trackId, desc(objectTable.score), asc(objectTable.frameNo))
    .as("best");
  return db.select().from(best).orderBy(desc(best.score), asc(best.videoId), asc(best.frameNo)).limit(options.limit);
}

/** A video's objects, or those of the frames numbered in [from, to) (one segment's). */
export async function countForVideo(db: Tx, videoId: string, numbers?: { from: number; to: number }): Promise<number> {
  const inRange = numbers ? and(gte(objectTable.frameNo, numbers.from), lt(objectTable.frameNo, numbers.to)) : undefined;
  const [row] = await db.select({ n: count() }).from(objectTable).where(and(eq(objectTable.videoId, videoId), inRange));
  return row?.n ?? 0;
}

/** Drops a video's objects (a job that failed starts its video over). */
export async function removeForVideo(tx: Pick<Services["db"], "delete">, videoId: string): Promise<void> {
  await tx.delete(objectTable).where(eq(objectTable.videoId, videoId));
}
