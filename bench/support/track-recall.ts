/**
 * Whether embedding a track's crops sparsely finds the same tracks as embedding every crop. Two
 * ingests of one video make the same frames, objects and tracks (tracking does not depend on the
 * embeddings); they differ in which crops have vectors. For each query vector, the tracks of the
 * `k` nearest object vectors of the dense set are the truth; recall is the share of them the
 * sparse set's `k` nearest also name. Exact (brute-force cosine), so the index plays no part.
 *
 * Queries: similar-object search from each track's first detection (the crop both sets embed),
 * and a picture of every 10th frame (frame vectors, which both sets hold alike).
 */

export interface ObjectVectors {
  /** Object id -> its track, for every object of the video. */
  tracks: Map<string, string>;
  /** Object id -> its unit vector, for the objects whose crop was embedded. */
  vectors: Map<string, Float32Array>;
}

export interface Recall {
  queries: number;
  /** Mean share of the dense set's tracks among the sparse set's, for the k nearest objects. */
  recall: number;
  /** Queries whose sparse answer missed at least one of the dense answer's tracks. */
  imperfect: number;
}

const unit = (values: ArrayLike<number>): Float32Array => {
  const out = Float32Array.from(values);
  const length = Math.hypot(...out) || 1;
  for (let i = 0; i < out.length; i++) out[i]! /= length;
  return out;
};

function nearestTracks(set: ObjectVectors, query: Float32Array, k: number): Set<string> {
  const scored: { id: string; score: number }[] = [];
  for (const [id, vector] of set.vectors) {
    let dot = 0;
    for (let i = 0; i < query.length; i++) dot += query[i]! * vector[i]!;
    scored.push({ id, score: dot });
  }
  scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  const tracks = new Set<string>();
  for (const { id } of scored) {
    tracks.add(set.tracks.get(id)!);
    if (tracks.size >= k) break;
  }
  return tracks;
}

/** Recall of the sparse set's nearest tracks against the dense set's, over `queries`, `k` tracks each. */
export function trackRecall(dense: ObjectVectors, sparse: ObjectVectors, queries: ArrayLike<number>[], k: number): Recall {
  let sum = 0;
  let imperfect = 0;
  for (const raw of queries) {
    const query = unit(raw);
    const truth = nearestTracks(dense, query, k);
    const found = nearestTracks(sparse, query, k);
    const hit = [...truth].filter((track) => found.has(track)).length / truth.size;
    sum += hit;
    if (hit < 1) imperfect++;
  }
  return { queries: queries.length, recall: queries.length > 0 ? sum / queries.length : 1, imperfect };
}

export const unitVectors = (entries: Iterable<[string, ArrayLike<number>]>) => new Map([...entries].map(([id, values]) => [id, unit(values)]));
