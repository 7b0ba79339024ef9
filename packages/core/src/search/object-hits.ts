import * as Object_ from "../object/index.js";
import type { Services } from "../services.js";
import type { ObjectSearchHit } from "./hits.js";

/** Object hits from scored object ids, hydrated from the database in the given order. */
export async function objectHitsFor(
  svc: Services,
  tenantId: string,
  scored: { id: string; score: number; labelMatch: boolean }[],
  titles: (ids: string[]) => Promise<Map<string, string>>,
): Promise<ObjectSearchHit[]> {
  const rows = await Object_.byIds(svc.db, tenantId, scored.map((s) => s.id));
  const byId = new Map(rows.map((row) => [Object_.idOf(row), row]));
  const names = await titles(rows.map((row) => row.videoId));
  const hits = await Promise.all(
    scored.map(async ({ id, score, labelMatch }): Promise<ObjectSearchHit | undefined> => {
      const row = byId.get(id);
      if (!row) return undefined;
      return {
        kind: "object",
        objectId: id,
        videoId: row.videoId,
        videoTitle: names.get(row.videoId) ?? row.videoId,
        timeSec: row.timeSec,
        start: row.timeSec,
        end: row.endSec,
        score,
        frameNo: row.frameNo,
        thumbnailUrl: await svc.blobs.url(row.cropKey),
        label: row.label,
        detectorScore: row.score,
        box: { x: row.boxX, y: row.boxY, w: row.boxW, h: row.boxH },
        trackId: row.trackId,
        labelMatch,
      };
    }),
  );
  return hits.filter((hit): hit is ObjectSearchHit => hit !== undefined);
}
