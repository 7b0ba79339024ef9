import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../db/database.js";
import * as Object_ from "../object/index.js";
import * as Video from "../video/index.js";
import { nearestObjects, objectIndex, storedVector } from "../object/neighbours.js";
import { standIns, trackMembers } from "../object/tracks.js";
import type { Services } from "../services.js";
import { textField } from "../util/text.js";
import { labelTable, type LabelRow } from "./label.sql.js";

export { labelTable, type LabelRow } from "./label.sql.js";

type Tx = Pick<Database, "insert" | "select" | "delete">;

export const DEFAULT_PROPAGATE_SCORE = 0.95;
export const DEFAULT_PROBABLE_SCORE = 0.85;

export const setSchema = z.object({
  label: textField().trim().toLowerCase().min(1).max(100).describe("the name to give the object, e.g. 'my red mug'"),
  polarity: z.enum(["positive", "negative"]).default("positive").describe("positive: it is this; negative: it is not"),
  propagate: z.boolean().default(true).describe("also label near-duplicates of the object (and their tracks); the object's own track is always labelled"),
});
export type SetInput = z.input<typeof setSchema>;

export const labelSchema = z.object({
  label: z.string(),
  polarity: z.enum(["positive", "negative"]),
  source: z.enum(["explicit", "propagated", "probable"]).describe("set by a person, carried to a near-duplicate, or voted by neighbours"),
});
export type LabelView = z.infer<typeof labelSchema>;

const view = (row: LabelRow): LabelView => ({ label: row.label, polarity: row.polarity, source: row.source });

/** Labels of the given objects (explicit and propagated). */
export async function forObjects(db: Tx, tenantId: string, objectIds: string[]): Promise<Map<string, LabelView[]>> {
  const found = new Map<string, LabelView[]>();
  if (objectIds.length === 0) return found;
  const rows = await db.select().from(labelTable).where(and(eq(labelTable.tenantId, tenantId), inArray(labelTable.objectId, objectIds)));
  for (const row of rows) found.set(row.objectId, [...(found.get(row.objectId) ?? []), view(row)]);
  return found;
}

/**
 * Labels an object, and with it the rest of its track (the same object in other frames). A
 * positive label also goes to the object's near-duplicates (at least `propagateScore` similar)
 * and their tracks. Labels carried this way are "propagated": they never overwrite what a person
 * set, and a later label of the track replaces them.
 */
export interface SetResult {
  label: LabelView;
  /** The object's own track, labelled with it. */
  track: string;
  /** Every other object the label went to: the rest of the track, the near-duplicates and theirs. */
  propagatedTo: string[];
  /** The near-duplicates' tracks (not the object's own). */
  carriedToTracks: string[];
}

export async function set(svc: Services, tenantId: string, objectId: string, input: SetInput): Promise<SetResult> {
  const parsed = setSchema.parse(input);
  const object = await Object_.get(svc, tenantId, objectId);
  const now = new Date();
  const row = { tenantId, objectId, videoId: object.videoId, label: parsed.label, polarity: parsed.polarity, source: "explicit" as const, createdAt: now, updatedAt: now };
  await svc.db
    .insert(labelTable)
    .values(row)
    .onConflictDoUpdate({ target: [labelTable.tenantId, labelTable.objectId, labelTable.label], set: { polarity: row.polarity, source: "explicit", updatedAt: row.updatedAt } });
  const carriedTo: Object_.ObjectRow[] = [object];
  if (parsed.polarity === "positive" && parsed.propagate) {
    const index = await objectIndex(svc, object.videoId);
    const vector = await storedVector(svc, index, tenantId, objectId);
    const near = await nearestObjects(index, tenantId, vector, { topK: 200, minScore: svc.settings.propagateScore ?? DEFAULT_PROPAGATE_SCORE, exclude: new Set([objectId]) });
    carriedTo.push(...(await Object_.byIds(svc.db, tenantId, near.map((match) => match.id))));
  }
  const rows = (await trackMembers(svc.db, tenantId, carriedTo)).filter((member) => Object_.idOf(member) !== objectId);
  if (rows.length > 0) {
    await svc.db
      .insert(labelTable)
      .values(rows.map((r) => ({ ...row, objectId: Object_.idOf(r), videoId: r.videoId, source: "propagated" as const })))
      .onConflictDoUpdate({
        target: [labelTable.tenantId, labelTable.objectId, labelTable.label],
        set: { polarity: row.polarity, updatedAt: row.updatedAt },
        setWhere: eq(labelTable.source, "propagated"),
      });
  }
  const carriedToTracks = [...new Set(rows.filter((r) => r.videoId !== object.videoId || r.trackId !== object.trackId).map((r) => r.trackId))];
  return { label: view(row), track: object.trackId, propagatedTo: rows.map(Object_.idOf), carriedToTracks };
}

export async function remove(svc: Services, tenantId: string, objectId: string, label: string): Promise<boolean> {
  const rows = await svc.db
    .delete(labelTable)
    .where(and(eq(labelTable.tenantId, tenantId), eq(labelTable.objectId, objectId), eq(labelTable.label, label.trim().toLowerCase())))
    .returning();
  return rows.length > 0;
}

/**
 * "Probable" labels for a video's unlabelled objects by nearest-neighbour vote: every object of
 * the video within `minScore` of a labelled object of the tenant (its 50 nearest at most) takes
 * the similarity as a vote for that label (negative labels vote against). Exact and cheap: the
 * labelled objects and the video's objects come in one vector fetch and are compared in memory,
 * instead of one filtered index query per labelled object.
 */
export async function probable(svc: Services, tenantId: string, videoId: string, options: { minScore?: number; perLabel?: number } = {}): Promise<Map<string, { label: string; votes: number }>> {
  const result = new Map<string, { label: string; votes: number }>();
  const labelled = await svc.db.select().from(labelTable).where(eq(labelTable.tenantId, tenantId)).limit(500);
  if (labelled.length === 0) return result;
  const rows = await Object_.listForVideo(svc.db, tenantId, videoId);
  if (rows.length === 0) return result;
  // Objects whose crop was not embedded vote and are voted for through their track's stand-in.
  const stand = await standIns(svc.db, [...rows, ...(await Object_.byIds(svc.db, tenantId, labelled.map((row) => row.objectId)))]);
  const index = await objectIndex(svc, videoId);
  const vectors = await index.fetch(tenantId, [...new Set(stand.values())]);
  const vectorOf = (objectId: string) => vectors.get(stand.get(objectId) ?? objectId)?.values;
  const candidates = rows.map(Object_.idOf).flatMap((id) => {
    const values = vectorOf(id);
    return values ? [{ id, unit: unit(values) }] : [];
  });
  const minScore = options.minScore ?? svc.settings.probableScore ?? DEFAULT_PROBABLE_SCORE;
  const perLabel = options.perLabel ?? 50;
  const tally = new Map<string, Map<string, number>>();
  for (const row of labelled) {
    const values = vectorOf(row.objectId);
    if (!values) continue;
    const query = unit(values);
    const near = candidates
      .map((candidate) => ({ id: candidate.id, score: dot(query, candidate.unit) }))
      .filter((match) => match.score >= minScore)
      .sort((a, b) => b.score - a.score)
      .slice(0, perLabel);
    for (const match of near) {
      const votes = tally.get(match.id) ?? new Map<string, number>();
      votes.set(row.label, (votes.get(row.label) ?? 0) + (row.polarity === "positive" ? match.score : -match.score));
      tally.set(match.id, votes);
    }
  }
  const explicit = new Set(labelled.filter((row) => row.videoId === videoId).map((row) => row.objectId));
  for (const [objectId, votes] of tally) {
    if (explicit.has(objectId)) continue;
    const [label, score] = [...votes].sort((a, b) => b[1] - a[1])[0]!;
    if (score > 0) result.set(objectId, { label, votes: score });
  }
  return result;
}

function unit(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values);
  let sum = 0;
  for (const value of out) sum += value * value;
  const length = Math.sqrt(sum) || 1;
  for (let i = 0; i < out.length; i++) out[i]! /= length;
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

export const labelledObjectSchema = Object_.viewSchema.extend({ labels: z.array(labelSchema) });
export type LabelledObject = z.infer<typeof labelledObjectSchema>;

/** A video's objects with their labels: explicit, propagated, and probable by neighbour vote. */
export async function objectsOfVideo(svc: Services, tenantId: string, videoId: string, options: { probable?: boolean } = {}): Promise<LabelledObject[]> {
  await Video.get(svc, tenantId, videoId);
  const rows = await Object_.listForVideo(svc.db, tenantId, videoId);
  const ids = rows.map(Object_.idOf);
  const labels = await forObjects(svc.db, tenantId, ids);
  const guesses = options.probable === false || rows.length === 0 ? new Map() : await probable(svc, tenantId, videoId);
  return Promise.all(
    rows.map(async (row) => {
      const id = Object_.idOf(row);
      const own = labels.get(id) ?? [];
      const guess = guesses.get(id);
      const probableLabel: LabelView[] = guess && !own.some((l) => l.label === guess.label) ? [{ label: guess.label, polarity: "positive", source: "probable" }] : [];
      return { ...(await Object_.view(svc, row)), labels: [...own, ...probableLabel] };
    }),
  );
}
