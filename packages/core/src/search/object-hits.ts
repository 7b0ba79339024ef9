import * as Object_ from "../object/index.js";
import { spans } from "../object/tracks.js";
import type { Services } from "../services.js";
import type { ObjectSearchHit } from "./hits.js";

/**
 * Object hits from scored object ids, hydrated from the database in the given order: one hit per
 * track, its best-ranked detection (the moment and box shown), spanning the track's first to last
 * moment. Ids whose rows are gone (a video being deleted) are dropped; at most `limit` tracks are
 * hydrated (their spans read, their crops' URLs made).
 */
export async function objectHitsFor(
  svc: Services,
  tenantId: string,
  scored: { id: string; score: number; labelMatch: boolean }[],
  titles: (ids: string[]) => Promise<Map<string, string>>,
  limit = Infinity,
): Promise<ObjectSearchHit[]> {
  const rows = await Object_.byIds(svc.db, tenantId, scored.map((s) => s.id));
  const byId = new Map(rows.map((row) => [Object_.idOf(row), row]));
  const tracks = new Set<string>();
  const best = scored
    .flatMap((entry) => {
      const row = byId.get(entry.id);
      if (!row || tracks.has(`${row.videoId} ${row.trackId}`)) return [];
      tracks.add(`${row.videoId} ${row.trackId}`);
      return [{ ...entry, row }];
    })
    .slice(0, limit);
  const [names, span] = await Promise.all([titles(best.map(({ row }) => row.videoId)), spans(svc.db, tenantId, best.map(({ row }) => row))]);
  return Promise.all(
    best.map(async ({ id, score, labelMatch, row }): Promise<ObjectSearchHit> => {
      const track = span.get(row.trackId) ?? { start: row.timeSec, end: row.endSec, detections: 1 };
      return {
        kind: "object",
        objectId: id,
        videoId: row.videoId,
        videoTitle: names.get(row.videoId) ?? row.videoId,
        timeSec: row.timeSec,
        start: track.start,
        end: track.end,
        score,
        frameNo: row.frameNo,
        thumbnailUrl: await svc.blobs.url(row.cropKey),
        label: row.label,
        detectorScore: row.score,
        box: { x: row.boxX, y: row.boxY, w: row.boxW, h: row.boxH },
        trackId: row.trackId,
        detections: track.detections,
        labelMatch,
      };
    }),
  );
}
