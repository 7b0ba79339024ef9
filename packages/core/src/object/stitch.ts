/**
 * Joins tracks across the boundaries of a video's segments once every segment is done. Segments
 * run apart, so an object in view across a boundary starts a second track in the later segment:
 * a track seen in the last frame before a boundary continues into one of its label seen in the
 * first frame after it, matched as the tracker matches (overlap, else nearness; best pairs first),
 * unless that frame is a scene cut. The later track takes the earlier one's id; running it again
 * changes nothing.
 */
import { and, asc, eq, inArray } from "drizzle-orm";
import type { Database } from "../db/database.js";
import { frameTable } from "../frame/frame.sql.js";
import { objectTable } from "./object.sql.js";
import { matchScore } from "./tracker.js";

type Tx = Pick<Database, "select" | "update">;

/** Joins the tracks that cross segment boundaries (frames of a segment are numbered from `stride` times its index); answers how many were joined. */
export async function stitchTracks(tx: Tx, videoId: string, stride: number): Promise<number> {
  const frames = await tx.select({ frameNo: frameTable.frameNo, reason: frameTable.reason }).from(frameTable).where(eq(frameTable.videoId, videoId)).orderBy(asc(frameTable.frameNo));
  let joined = 0;
  for (let i = 0; i + 1 < frames.length; i++) {
    const [before, after] = [frames[i]!, frames[i + 1]!];
    if (Math.floor(before.frameNo / stride) === Math.floor(after.frameNo / stride) || after.reason === "scene") continue;
    const objects = await tx
      .select()
      .from(objectTable)
      .where(and(eq(objectTable.videoId, videoId), inArray(objectTable.frameNo, [before.frameNo, after.frameNo])))
      .orderBy(asc(objectTable.frameNo), asc(objectTable.k));
    const ends = objects.filter((o) => o.frameNo === before.frameNo);
    const starts = objects.filter((o) => o.frameNo === after.frameNo);
    const box = (o: (typeof objects)[number]) => ({ x: o.boxX, y: o.boxY, w: o.boxW, h: o.boxH });
    const pairs = ends.flatMap((end) =>
      starts.filter((start) => start.label === end.label).map((start) => ({ end, start, score: matchScore(box(end), box(start)) })),
    );
    pairs.sort((a, b) => b.score - a.score || a.end.k - b.end.k || a.start.k - b.start.k);
    const used = new Set<string>();
    for (const { end, start, score } of pairs) {
      if (score <= 0 || used.has(end.trackId) || used.has(start.trackId)) continue;
      used.add(end.trackId);
      used.add(start.trackId);
      if (end.trackId === start.trackId) continue;
      await tx.update(objectTable).set({ trackId: end.trackId }).where(and(eq(objectTable.videoId, videoId), eq(objectTable.trackId, start.trackId)));
      joined++;
    }
  }
  return joined;
}
