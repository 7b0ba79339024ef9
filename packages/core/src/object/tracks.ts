/**
 * Tracks as stored: each object row names its track. A video's tracks are read back from its
 * rows (label, first and last moment, the box in every sampled frame, the most confident
 * detection), and a resumed job rebuilds its tracker from the rows its crashed attempt committed.
 */
import { and, asc, count, desc, eq, gte, inArray, lte, max, min } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../db/database.js";
import { frameTable } from "../frame/frame.sql.js";
import { objectTable, type ObjectRow } from "./object.sql.js";
import type { EmbedPlan } from "./embed-plan.js";
import { replayFrames, type Tracker } from "./tracker.js";
import { boxSchema, idOf, listForVideo as listObjects } from "./index.js";

type Reader = Pick<Database, "select">;

export const trackSchema = z.object({
  id: z.string().describe("track id, `<videoId>#t<frameNo>.<k>` (its first detection's frame and index)"),
  videoId: z.string(),
  label: z.string().describe("the detector's label"),
  start: z.number().describe("seconds: the first sampled frame the object is seen in"),
  end: z.number().describe("seconds: the end of the last sampled frame it is seen in"),
  score: z.number().describe("the detector's highest confidence along the track"),
  bestObjectId: z.string().describe("the track's most confident detection (an object id)"),
  boxes: z.array(boxSchema.extend({ timeSec: z.number() })).describe("the box in each sampled frame the object is seen in, in time order"),
});
export type TrackView = z.infer<typeof trackSchema>;

/** Groups object rows (in frame order) into tracks, in order of their start. */
export function tracksOf(rows: readonly ObjectRow[]): TrackView[] {
  const tracks = new Map<string, TrackView>();
  for (const row of rows) {
    const box = { timeSec: row.timeSec, x: row.boxX, y: row.boxY, w: row.boxW, h: row.boxH };
    const track = tracks.get(row.trackId);
    if (!track) {
      tracks.set(row.trackId, { id: row.trackId, videoId: row.videoId, label: row.label, start: row.timeSec, end: row.endSec, score: row.score, bestObjectId: idOf(row), boxes: [box] });
      continue;
    }
    track.boxes.push(box);
    track.end = Math.max(track.end, row.endSec);
    if (row.score > track.score) Object.assign(track, { score: row.score, bestObjectId: idOf(row) });
  }
  return [...tracks.values()].sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : 1));
}

/**
 * The object whose vector stands for each given object: itself when its crop was embedded, else
 * its track's embedded detection nearest in time (the earlier one on a tie). Objects of a track
 * with none embedded (none exist: a track's first crop always is) are left out.
 */
export async function standIns(db: Reader, rows: readonly ObjectRow[]): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  const missing = rows.filter((row) => !row.embedded);
  for (const row of rows) if (row.embedded) result.set(idOf(row), idOf(row));
  if (missing.length === 0) return result;
  const embedded = await db
    .select({ videoId: objectTable.videoId, frameNo: objectTable.frameNo, k: objectTable.k, timeSec: objectTable.timeSec, trackId: objectTable.trackId })
    .from(objectTable)
    .where(and(inArray(objectTable.videoId, [...new Set(missing.map((row) => row.videoId))]), inArray(objectTable.trackId, [...new Set(missing.map((row) => row.trackId))]), eq(objectTable.embedded, true)))
    .orderBy(asc(objectTable.frameNo), asc(objectTable.k));
  for (const row of missing) {
    let best: (typeof embedded)[number] | undefined;
    for (const candidate of embedded) {
      if (candidate.trackId !== row.trackId) continue;
      if (!best || Math.abs(candidate.timeSec - row.timeSec) < Math.abs(best.timeSec - row.timeSec)) best = candidate;
    }
    if (best) result.set(idOf(row), idOf(best));
  }
  return result;
}

type TrackKey = Pick<ObjectRow, "videoId" | "trackId">;

/** The rows of the given objects' tracks (track ids are unique within a video). */
const ofTracks = (tenantId: string, rows: readonly TrackKey[]) =>
  and(
    eq(objectTable.tenantId, tenantId),
    inArray(objectTable.videoId, [...new Set(rows.map((row) => row.videoId))]),
    inArray(objectTable.trackId, [...new Set(rows.map((row) => row.trackId))]),
  );

/** Every detection of the tracks of the given objects (the objects themselves included). */
export async function trackMembers(db: Reader, tenantId: string, rows: readonly TrackKey[]): Promise<ObjectRow[]> {
  if (rows.length === 0) return [];
  return db
    .select()
    .from(objectTable)
    .where(ofTracks(tenantId, rows))
    .orderBy(asc(objectTable.videoId), asc(objectTable.frameNo), asc(objectTable.k));
}

export interface TrackSpan {
  start: number;
  end: number;
  detections: number;
}

/** Each named track's first and last moment and how many detections it holds, by track id. */
export async function spans(db: Reader, tenantId: string, rows: readonly TrackKey[]): Promise<Map<string, TrackSpan>> {
  if (rows.length === 0) return new Map();
  const found = await db
    .select({ trackId: objectTable.trackId, start: min(objectTable.timeSec), end: max(objectTable.endSec), detections: count() })
    .from(objectTable)
    .where(ofTracks(tenantId, rows))
    .groupBy(objectTable.trackId);
  return new Map(found.map((row) => [row.trackId, { start: row.start ?? 0, end: row.end ?? 0, detections: row.detections }]));
}

/** A video's tracks, in order of their start. */
export async function listForVideo(db: Reader, tenantId: string, videoId: string): Promise<TrackView[]> {
  return tracksOf(await listObjects(db, tenantId, videoId));
}

/**
 * Brings a job's tracker and embed plan to where its last committed frame left them: the last
 * frames of its part up to the checkpoint, with the tracks their objects were given, replayed in
 * order; then each open track's last embedded detection.
 */
export async function resumeTracks(db: Reader, tracker: Tracker, plan: EmbedPlan, videoId: string, frames: { from: number; through: number }): Promise<void> {
  if (frames.through < frames.from) return;
  const last = await db
    .select({ frameNo: frameTable.frameNo, timeSec: frameTable.timeSec, reason: frameTable.reason })
    .from(frameTable)
    .where(and(eq(frameTable.videoId, videoId), gte(frameTable.frameNo, frames.from), lte(frameTable.frameNo, frames.through)))
    .orderBy(desc(frameTable.frameNo))
    .limit(replayFrames());
  if (last.length === 0) return;
  const objects = await db
    .select()
    .from(objectTable)
    .where(and(eq(objectTable.videoId, videoId), inArray(objectTable.frameNo, last.map((f) => f.frameNo))))
    .orderBy(asc(objectTable.frameNo), asc(objectTable.k));
  tracker.replay(
    last.reverse().map((frame) => ({
      frameNo: frame.frameNo,
      timeSec: frame.timeSec,
      cut: frame.reason === "scene",
      detections: objects.filter((o) => o.frameNo === frame.frameNo).map((o) => ({ label: o.label, box: { x: o.boxX, y: o.boxY, w: o.boxW, h: o.boxH }, trackId: o.trackId })),
    })),
  );
  const open = [...tracker.openIds()];
  if (open.length === 0) return;
  const embedded = await db
    .select({ trackId: objectTable.trackId, timeSec: objectTable.timeSec, w: objectTable.boxW, h: objectTable.boxH, score: objectTable.score })
    .from(objectTable)
    .where(and(eq(objectTable.videoId, videoId), inArray(objectTable.trackId, open), eq(objectTable.embedded, true), lte(objectTable.frameNo, frames.through)))
    .orderBy(asc(objectTable.frameNo), asc(objectTable.k));
  // In frame order: each track's last one is remembered last.
  for (const row of embedded) plan.remember(row.trackId, { timeSec: row.timeSec, box: { w: row.w, h: row.h }, score: row.score });
}
