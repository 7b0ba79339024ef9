import * as Library from "../library/index.js";
import type { Services } from "../services.js";
import * as Video from "../video/index.js";
import type { VectorIndex, VectorMatch } from "../vector/vector-index.js";
import { byIds, ObjectNotFound } from "./index.js";
import { standIns } from "./tracks.js";

/** The vector set a video's objects were embedded into: its model's. */
export async function objectIndex(svc: Services, videoId: string): Promise<VectorIndex> {
  const video = await Video.find(svc, videoId);
  return Library.vectorSet(svc, video?.modelKey ?? null);
}

/**
 * The object's stored vector, or for an object whose crop was not embedded its track's nearest
 * embedded one's: similarity search never embeds a crop again.
 */
export async function storedVector(svc: Services, index: VectorIndex, tenantId: string, objectId: string): Promise<number[]> {
  const stored = (await index.fetch(tenantId, [objectId])).get(objectId);
  if (stored) return Array.from(stored.values);
  const [row] = await byIds(svc.db, tenantId, [objectId]);
  const standIn = row && !row.embedded ? (await standIns(svc.db, [row])).get(objectId) : undefined;
  const vector = standIn ? (await index.fetch(tenantId, [standIn])).get(standIn) : undefined;
  if (!vector) throw new ObjectNotFound(objectId);
  return Array.from(vector.values);
}

export const normalised = (vectors: ArrayLike<number>[]): number[] => {
  const sum = new Array<number>(vectors[0]?.length ?? 0).fill(0);
  for (const vector of vectors) for (let i = 0; i < sum.length; i++) sum[i]! += vector[i]!;
  const length = Math.hypot(...sum) || 1;
  return sum.map((value) => value / length);
};

/** Objects nearest to a vector, best first, excluding `exclude`. */
export async function nearestObjects(
  index: VectorIndex,
  tenantId: string,
  vector: ArrayLike<number>,
  options: { topK: number; minScore: number; exclude?: Set<string>; videoId?: string },
): Promise<VectorMatch[]> {
  const matches = await index.query(tenantId, {
    vector: Array.from(vector),
    topK: options.topK + (options.exclude?.size ?? 0),
    filter: { kind: "object", ...(options.videoId ? { videoId: options.videoId } : {}) },
  });
  return matches.filter((match) => match.score >= options.minScore && !options.exclude?.has(match.id)).slice(0, options.topK);
}
