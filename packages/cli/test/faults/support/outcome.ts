/**
 * What an ingest left behind for one video, in a form two videos can be compared by (the video
 * id replaced by `<v>`), with everything that could be duplicated counted.
 */
import { Frame, Job, Objects, type Services } from "@vos/core";
import { eq } from "drizzle-orm";

export interface Outcome {
  frames: { frameNo: number; timeSec: number }[];
  objects: { frameNo: number; k: number; label: string; box: number[]; track: string; embedded: boolean }[];
  /** Vector ids in the store, sorted, as listed (a duplicate would show twice). */
  vectors: string[];
  /** Thumbnails and crops under the video's folder, sorted (the uploaded source left out). */
  blobs: string[];
}

export interface Checked {
  outcome: Outcome;
  /** Vector ids listed more than once, plus frame or object rows repeated. */
  duplicates: number;
  /** The vector ids the rows imply: one per frame and per object whose crop was embedded. */
  expectedVectors: string[];
  /** The blob keys the rows point at. */
  expectedBlobs: string[];
  job: Job.JobRow;
}

const round = (value: number) => Math.round(value * 1e5) / 1e5;

export async function outcomeOf(svc: Services, tenantId: string, videoId: string): Promise<Checked> {
  const anon = (text: string) => text.split(videoId).join("<v>");
  const frames = await Frame.listForVideo(svc.db, videoId);
  const objects = (await svc.db.select().from(Objects.objectTable).where(eq(Objects.objectTable.videoId, videoId))).sort(
    (a, b) => a.frameNo - b.frameNo || a.k - b.k,
  );
  const listed = (await svc.vectors.listIds(tenantId, `${videoId}#`)).map(anon).sort();
  const blobs = (await svc.blobs.list(`${tenantId}/videos/${videoId}/`)).filter((key) => !/\/source(\.[a-z0-9]+)?$/.test(key)).map(anon).sort();
  const job = (await Job.latestForVideos(svc.db, [videoId])).get(videoId)!;
  const unique = <T>(items: T[]) => new Set(items).size;
  const duplicates =
    listed.length - unique(listed) + frames.length - unique(frames.map((f) => f.frameNo)) + objects.length - unique(objects.map((o) => `${o.frameNo}.${o.k}`));
  return {
    outcome: {
      frames: frames.map((f) => ({ frameNo: f.frameNo, timeSec: round(f.timeSec) })),
      objects: objects.map((o) => ({ frameNo: o.frameNo, k: o.k, label: o.label, box: [o.boxX, o.boxY, o.boxW, o.boxH].map(round), track: anon(o.trackId), embedded: o.embedded })),
      vectors: listed,
      blobs,
    },
    duplicates,
    expectedVectors: [...frames.map((f) => `<v>#f${f.frameNo}`), ...objects.filter((o) => o.embedded).map((o) => `<v>#o${o.frameNo}.${o.k}`)].sort(),
    expectedBlobs: [...frames.map((f) => anon(f.thumbnailKey)), ...objects.map((o) => anon(o.cropKey))].sort(),
    job,
  };
}
