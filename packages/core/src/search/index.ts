import { z } from "zod";
import { decodeImage } from "../embedder/index.js";
import * as Frame from "../frame/index.js";
import * as Library from "../library/index.js";
import * as Object_ from "../object/index.js";
import type { Services } from "../services.js";
import { textField } from "../util/text.js";
import type { VectorIndex, VectorModel } from "../vector/vector-index.js";
import * as Video from "../video/index.js";
import type { FrameSearchHit, ObjectSearchHit, SearchHit } from "./hits.js";
import { labelCandidates } from "./labels.js";
import { mergeMoments, type FrameHit } from "./moments.js";
import { objectHitsFor } from "./object-hits.js";
import { keepQueryPicture, keptForm, type QueryPicture } from "./query-pictures.js";

export { frameHitSchema, hitSchema, objectHitSchema, type FrameSearchHit, type ObjectSearchHit, type SearchHit } from "./hits.js";
export { labelCandidates } from "./labels.js";
export { modelMismatch, modelMismatchSchema, type ModelMismatch } from "./model-mismatch.js";
export { mergeMoments, type FrameHit, type Moment } from "./moments.js";
export { objectHitsFor } from "./object-hits.js";
export { keepQueryPicture, keptForm, loadQueryPicture, QUERY_PICTURE_DAYS, QUERY_PICTURES_FOLDER, queryPictureIdSchema, queryPictureSchema, type QueryPicture } from "./query-pictures.js";

const KINDS = ["frame", "object"] as const;

const filterFields = {
  videoId: Video.idSchema.optional().describe("only search this video"),
  limit: z.number().int().min(1).max(100).default(10).describe("most results to return"),
  minScore: z.number().min(-1).max(1).optional().describe("drop hits scoring below this cosine similarity"),
  kinds: z.array(z.enum(KINDS)).min(1).default([...KINDS]).describe("what to return: frames (moments), objects, or both"),
  includeProcessing: z
    .boolean()
    .default(true)
    .describe("also search videos still being processed (what their finished parts hold so far); false: only videos that are ready"),
};

export const textSchema = z.object({ text: textField().trim().min(1).max(1000).describe("what to look for, in words"), ...filterFields });
export const filtersSchema = z.object(filterFields);
export type TextQuery = z.input<typeof textSchema>;
export type Filters = z.output<typeof filtersSchema>;

/** Frames (objects) to fetch per moment (track) wanted: neighbours merge, so ask the index for more. */
const OVERFETCH = 5;

/**
 * Vector -> index top-k frames -> frame rows in the index's ranking order -> moments. Hits whose
 * rows are gone (a video being deleted) are dropped rather than shown half.
 */
async function frameHits(
  svc: Services,
  tenantId: string,
  index: VectorIndex,
  vector: Float32Array,
  filters: Filters,
  titles: (ids: string[]) => Promise<Map<string, string>>,
  excluded: ReadonlySet<string>,
): Promise<FrameSearchHit[]> {
  const matches = await index.query(tenantId, {
    vector,
    topK: Math.min(1000, filters.limit * OVERFETCH * (excluded.size > 0 ? 2 : 1)),
    filter: { kind: "frame", ...(filters.videoId ? { videoId: filters.videoId } : {}) },
  });
  const ranked = matches
    .filter((match) => (filters.minScore === undefined || match.score >= filters.minScore) && !excluded.has(match.metadata.videoId))
    .map((match) => ({ videoId: match.metadata.videoId, frameNo: match.metadata.frameNo, score: match.score }));
  const rows = await Frame.byKeys(svc.db, tenantId, ranked);
  const rowByKey = new Map(rows.map((row) => [`${row.videoId}#${row.frameNo}`, row]));
  const hits: FrameHit[] = ranked.flatMap((match) => {
    const row = rowByKey.get(`${match.videoId}#${match.frameNo}`);
    return row ? [{ videoId: row.videoId, frameNo: row.frameNo, timeSec: row.timeSec, endSec: row.endSec, score: match.score }] : [];
  });
  const moments = mergeMoments(hits).slice(0, filters.limit);
  const names = await titles(moments.map((m) => m.videoId));
  return Promise.all(
    moments.map(async (moment) => ({
      kind: "frame" as const,
      videoId: moment.videoId,
      videoTitle: names.get(moment.videoId) ?? moment.videoId,
      timeSec: moment.best.timeSec,
      start: moment.start,
      end: moment.end,
      score: moment.score,
      frameNo: moment.best.frameNo,
      thumbnailUrl: await svc.blobs.url(Frame.thumbnailKey(tenantId, moment.videoId, moment.best.frameNo)),
    })),
  );
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
};


/**
 * Tracks whose detections lie near the query vector, plus, for text, tracks whose detector label
 * the words name: those are found by their label even when the embedding model ranks them low,
 * and come first.
 */
async function objectHits(
  svc: Services,
  tenantId: string,
  index: VectorIndex,
  vector: Float32Array,
  filters: Filters,
  words: string | undefined,
  titles: (ids: string[]) => Promise<Map<string, string>>,
  excluded: ReadonlySet<string>,
): Promise<ObjectSearchHit[]> {
  const matches = await index.query(tenantId, {
    vector,
    // Detections of one track fold into one hit: ask for more than the hits wanted.
    topK: Math.min(1000, filters.limit * OVERFETCH * (excluded.size > 0 ? 2 : 1)),
    filter: { kind: "object", ...(filters.videoId ? { videoId: filters.videoId } : {}) },
  });
  const scored = new Map<string, { id: string; score: number; labelMatch: boolean }>();
  for (const match of matches) {
    if (excluded.has(match.metadata.videoId)) continue;
    if (filters.minScore === undefined || match.score >= filters.minScore) scored.set(match.id, { id: match.id, score: match.score, labelMatch: false });
  }
  if (words) {
    const found = await Object_.byLabels(svc.db, tenantId, labelCandidates(words), { limit: filters.limit, ...(filters.videoId ? { videoId: filters.videoId } : {}) });
    const labelled = found.filter((row) => !excluded.has(row.videoId));
    const ids = labelled.map(Object_.idOf);
    const stored = await index.fetch(tenantId, ids);
    for (const id of ids) {
      const values = stored.get(id)?.values;
      scored.set(id, { id, score: values ? dot(values, vector) : (scored.get(id)?.score ?? 0), labelMatch: true });
    }
  }
  const ordered = [...scored.values()].sort((a, b) => Number(b.labelMatch) - Number(a.labelMatch) || b.score - a.score);
  return objectHitsFor(svc, tenantId, ordered, titles, filters.limit);
}

/** Label matches first (the query named them), then everything else by similarity. */
function rank(frames: FrameSearchHit[], objects: ObjectSearchHit[], limit: number): SearchHit[] {
  const named = objects.filter((hit) => hit.labelMatch);
  const rest: SearchHit[] = [...frames, ...objects.filter((hit) => !hit.labelMatch)].sort((a, b) => b.score - a.score);
  return [...named, ...rest].slice(0, limit);
}

export async function byVector(svc: Services, tenantId: string, model: VectorModel, vector: Float32Array, filters: Filters, words?: string): Promise<SearchHit[]> {
  const index = await svc.vectors.index(model, vector.length);
  const cache = new Map<string, string>();
  const titles = async (ids: string[]) => {
    const missing = [...new Set(ids)].filter((id) => !cache.has(id));
    for (const [id, title] of await Video.titles(svc, tenantId, missing)) cache.set(id, title);
    return cache;
  };
  // Videos still being processed, when only finished ones are wanted.
  const excluded = new Set(filters.includeProcessing ? [] : await Video.unfinishedIds(svc.db, tenantId));
  const [frames, objects] = await Promise.all([
    filters.kinds.includes("frame") ? frameHits(svc, tenantId, index, vector, filters, titles, excluded) : Promise.resolve([]),
    filters.kinds.includes("object") ? objectHits(svc, tenantId, index, vector, filters, words, titles, excluded) : Promise.resolve([]),
  ]);
  return rank(frames, objects, filters.limit);
}

export async function text(svc: Services, tenantId: string, query: TextQuery): Promise<SearchHit[]> {
  const { text: words, ...filters } = textSchema.parse(query);
  return Library.withSearchModel(svc, tenantId, async (embedder) => {
    const [vector] = await embedder.embedTexts([words]);
    return byVector(svc, tenantId, embedder.identity, vector!, filters, words);
  });
}

/** Search with a picture: the image goes through the same model into the same space. */
export async function image(svc: Services, tenantId: string, bytes: Uint8Array, filters: z.input<typeof filtersSchema> = {}): Promise<SearchHit[]> {
  const parsed = filtersSchema.parse(filters);
  const picture = await decodeImage(bytes);
  return Library.withSearchModel(svc, tenantId, async (embedder) => {
    const [vector] = await embedder.embedImages([picture]);
    return byVector(svc, tenantId, embedder.identity, vector!, parsed);
  });
}

/**
 * A search with a picture a client sent, which is kept for a link (query-pictures.ts): the
 * search embeds the picture in its kept form, so a search by its id later sees the same pixels.
 */
export async function imageAndKeep(svc: Services, tenantId: string, bytes: Uint8Array, filters: z.input<typeof filtersSchema> = {}): Promise<{ hits: SearchHit[]; picture: QueryPicture }> {
  const kept = await keptForm(bytes);
  const hits = await image(svc, tenantId, kept, filters);
  return { hits, picture: await keepQueryPicture(svc, tenantId, kept) };
}

export { similar, similarSchema, type SimilarQuery } from "./similar.js";
