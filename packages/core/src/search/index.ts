import { z } from "zod";
import { decodeImage } from "../embedder/index.js";
import * as Frame from "../frame/index.js";
import type { Services } from "../services.js";
import { vectorId } from "../vector/vector-index.js";
import * as Video from "../video/index.js";
import { mergeMoments, type FrameHit } from "./moments.js";

export { mergeMoments, type FrameHit, type Moment } from "./moments.js";

export const textSchema = z.object({
  text: z.string().trim().min(1).max(1000).describe("what to look for, in words"),
  videoId: z.string().min(1).max(100).optional().describe("only search this video"),
  limit: z.number().int().min(1).max(100).default(10).describe("most moments to return"),
  minScore: z.number().min(-1).max(1).optional().describe("drop hits scoring below this cosine similarity"),
});
export type TextQuery = z.input<typeof textSchema>;
export type Filters = Omit<z.output<typeof textSchema>, "text">;

/** A search result: a moment of a video, best first (also its OpenAPI schema). */
export const hitSchema = z.object({
  videoId: z.string(),
  videoTitle: z.string(),
  kind: z.literal("frame"),
  timeSec: z.number().describe("the best frame's time: where the player seeks"),
  start: z.number().describe("start of the moment, seconds"),
  end: z.number().describe("end of the moment, seconds"),
  score: z.number().describe("cosine similarity of the best frame"),
  frameNo: z.number().int(),
  thumbnailUrl: z.string(),
});
export type SearchHit = z.infer<typeof hitSchema>;

/** Frames to fetch per moment wanted: neighbours merge, so ask the index for more. */
const OVERFETCH = 5;

/**
 * Vector -> index top-k -> frame rows in the index's ranking order -> moments. Hits whose rows
 * are gone (a video being deleted) are dropped rather than shown half.
 */
export async function byVector(svc: Services, tenantId: string, model: string, vector: Float32Array, filters: Filters): Promise<SearchHit[]> {
  const index = await svc.vectors.index(model, vector.length);
  const matches = await index.query(tenantId, {
    vector,
    topK: Math.min(1000, filters.limit * OVERFETCH),
    filter: { kind: "frame", ...(filters.videoId ? { videoId: filters.videoId } : {}) },
  });
  const ranked = matches
    .filter((match) => filters.minScore === undefined || match.score >= filters.minScore)
    .flatMap((match) => {
      const key = vectorId.parse(match.id);
      return key ? [{ ...key, score: match.score }] : [];
    });
  const rows = await Frame.byKeys(svc.db, tenantId, ranked);
  const rowByKey = new Map(rows.map((row) => [`${row.videoId}#${row.frameNo}`, row]));
  const hits: FrameHit[] = ranked.flatMap((match) => {
    const row = rowByKey.get(`${match.videoId}#${match.frameNo}`);
    return row ? [{ videoId: row.videoId, frameNo: row.frameNo, timeSec: row.timeSec, endSec: row.endSec, score: match.score }] : [];
  });
  const moments = mergeMoments(hits).slice(0, filters.limit);
  const titles = await Video.titles(svc, tenantId, [...new Set(moments.map((m) => m.videoId))]);
  return Promise.all(
    moments.map(async (moment) => ({
      videoId: moment.videoId,
      videoTitle: titles.get(moment.videoId) ?? moment.videoId,
      kind: "frame" as const,
      timeSec: moment.best.timeSec,
      start: moment.start,
      end: moment.end,
      score: moment.score,
      frameNo: moment.best.frameNo,
      thumbnailUrl: await svc.blobs.url(Frame.thumbnailKey(tenantId, moment.videoId, moment.best.frameNo)),
    })),
  );
}

export async function text(svc: Services, tenantId: string, query: TextQuery): Promise<SearchHit[]> {
  const { text: words, ...filters } = textSchema.parse(query);
  const embedder = await svc.embedder();
  const [vector] = await embedder.embedTexts([words]);
  return byVector(svc, tenantId, embedder.model, vector!, filters);
}

/** Search with a picture: the image goes through the same model into the same space. */
export async function image(svc: Services, tenantId: string, bytes: Uint8Array, filters: Partial<Filters> = {}): Promise<SearchHit[]> {
  const parsed = textSchema.omit({ text: true }).parse(filters);
  const picture = await decodeImage(bytes);
  const embedder = await svc.embedder();
  const [vector] = await embedder.embedImages([picture]);
  return byVector(svc, tenantId, embedder.model, vector!, parsed);
}
