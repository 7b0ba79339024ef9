import { z } from "zod";
import * as Label from "../label/index.js";
import * as Object_ from "../object/index.js";
import { nearestObjects, normalised, objectIndex, storedVector } from "../object/neighbours.js";
import { trackMembers } from "../object/tracks.js";
import type { Services } from "../services.js";
import * as Video from "../video/index.js";
import type { ObjectSearchHit } from "./hits.js";
import { objectHitsFor } from "./object-hits.js";

export const similarSchema = z.object({
  minScore: z.number().min(-1).max(1).default(0.8).describe("similarity threshold chosen in the UI"),
  limit: z.number().int().min(1).max(200).default(30),
  mode: z
    .enum(["focused", "expanded"])
    .default("focused")
    .describe("focused: neighbours of this object; expanded: also neighbours of the mean of it and its best matches, and objects with the same label (all at or above minScore)"),
  videoId: Video.idSchema.optional().describe("only look in this video"),
});
export type SimilarQuery = z.input<typeof similarSchema>;

const EXPAND_WITH = 5;

/**
 * Tracks that look like this object, from its stored vector (never embedding the crop again): one
 * hit per track, never the object's own. Objects a person marked as NOT one of this object's
 * labels (its positive labels, or the detector's label) are left out.
 */
export async function similar(svc: Services, tenantId: string, objectId: string, query: SimilarQuery = {}): Promise<ObjectSearchHit[]> {
  const options = similarSchema.parse(query);
  const object = await Object_.get(svc, tenantId, objectId);
  const index = await objectIndex(svc, object.videoId);
  const vector = await storedVector(svc, index, tenantId, objectId);
  // The object's own track is the object itself, seen in other frames.
  const exclude = new Set([objectId, ...(await trackMembers(svc.db, tenantId, [object])).map(Object_.idOf)]);
  const scope = { topK: options.limit * 4, minScore: options.minScore, exclude, ...(options.videoId ? { videoId: options.videoId } : {}) };
  let matches = await nearestObjects(index, tenantId, vector, scope);

  if (options.mode === "expanded") {
    const best = matches.slice(0, EXPAND_WITH).map((match) => match.id);
    const stored = await index.fetch(tenantId, best);
    const mean = normalised([vector, ...best.flatMap((id) => (stored.get(id) ? [Array.from(stored.get(id)!.values)] : []))]);
    const widened = await nearestObjects(index, tenantId, mean, scope);
    const sameLabel = await Object_.byLabels(svc.db, tenantId, [object.label], { limit: options.limit, ...(options.videoId ? { videoId: options.videoId } : {}) });
    const sameIds = sameLabel.map(Object_.idOf).filter((id) => !exclude.has(id));
    const sameVectors = await index.fetch(tenantId, sameIds);
    const byId = new Map([...matches, ...widened].map((match) => [match.id, match.score]));
    for (const id of sameIds) {
      const values = sameVectors.get(id)?.values;
      if (values && !byId.has(id)) byId.set(id, Array.from(values).reduce((sum, v, i) => sum + v * vector[i]!, 0));
    }
    matches = [...byId].map(([id, score]) => ({ id, score, metadata: { videoId: "", kind: "object" as const, timeSec: 0, frameNo: 0 } }));
  }

  // A person said these are not what this object is.
  const own = await Label.forObjects(svc.db, tenantId, [objectId]);
  const names = new Set([object.label, ...(own.get(objectId) ?? []).filter((l) => l.polarity === "positive").map((l) => l.label)]);
  const labels = await Label.forObjects(svc.db, tenantId, matches.map((match) => match.id));
  const kept = matches
    .filter((match) => match.score >= options.minScore)
    .filter((match) => !(labels.get(match.id) ?? []).some((l) => l.polarity === "negative" && names.has(l.label)))
    .sort((a, b) => b.score - a.score);
  const cache = new Map<string, string>();
  return objectHitsFor(
    svc,
    tenantId,
    kept.map((match) => ({ id: match.id, score: match.score, labelMatch: false })),
    async (ids) => {
      for (const [id, title] of await Video.titles(svc, tenantId, ids.filter((id) => !cache.has(id)))) cache.set(id, title);
      return cache;
    },
    options.limit,
  );
}
