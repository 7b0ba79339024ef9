import type { ApiClient } from "../api/client";
import type { ObjectHit, SimilarQuery } from "../api/types";

/** Fewer results than this at a threshold nobody chose: also show the closest below it. */
export const FEW = 3;
/** Results below the threshold shown at most. */
export const BELOW_SHOWN = 6;
/** The floor of the second search: every score counts. */
const FLOOR = -1;

export interface Below {
  /** The closest results under the threshold, best first. */
  hits: readonly ObjectHit[];
  /** How many more the search found under them. */
  more: number;
  /** The search stopped at its limit: there may be more than `more`. */
  capped: boolean;
}

export const NO_BELOW: Below = { hits: [], more: 0, capped: false };

/**
 * From a search with a low floor, the results under `minScore` that `above` lacks: the best few
 * to show, and how many more. Scores are the API's, so the order stays its ranking.
 */
export function closestBelow(above: readonly ObjectHit[], floored: readonly ObjectHit[], minScore: number, limit: number, shown = BELOW_SHOWN): Below {
  const seen = new Set(above.map((hit) => hit.objectId));
  const under = floored.filter((hit) => hit.score < minScore && !seen.has(hit.objectId));
  return { hits: under.slice(0, shown), more: Math.max(0, under.length - shown), capped: floored.length >= limit };
}

/**
 * The default threshold is a guess: when it leaves (almost) nothing, look again without it so the
 * panel shows the best matches rather than an empty list. A threshold the user chose is left alone.
 */
export function wantsBelow(count: number, chosen: boolean): boolean {
  return !chosen && count < FEW;
}

/** The slider value that takes in every result down to `score` (the slider moves in hundredths). */
export function thresholdFor(score: number): number {
  return Math.max(0, Math.floor(score * 100 + 1e-9) / 100);
}

/** Searches again with no threshold when `wantsBelow` says so. */
export async function searchBelow(
  api: Pick<ApiClient, "similarObjects">,
  objectId: string,
  query: SimilarQuery & { minScore: number; limit: number },
  above: readonly ObjectHit[],
  chosen: boolean,
  signal: AbortSignal,
): Promise<Below> {
  if (!wantsBelow(above.length, chosen)) return NO_BELOW;
  const floored = await api.similarObjects(objectId, { ...query, minScore: FLOOR }, signal);
  return closestBelow(above, floored, query.minScore, query.limit);
}

/** What the results say when the closest below the threshold are on show ("" when none are). */
export function belowSummary(above: number, below: Below, minScore: number, score: (n: number) => string): string {
  const first = below.hits[0];
  if (!first) return "";
  const closest = below.hits.length === 1 ? `the closest, at ${score(first.score)}` : `the ${below.hits.length} closest, from ${score(first.score)} down`;
  const at = `at or above ${score(minScore)}`;
  if (above === 0) return `Nothing ${at}; ${closest}.`;
  return `${above === 1 ? "1 similar object" : `${above} similar objects`} ${at}, then ${closest}.`;
}

/** How many more lie under the last one shown ("" when none do). */
export function belowMore(below: Below, score: (n: number) => string): string {
  const last = below.hits.at(-1);
  if (!last || !below.more) return "";
  // The search stopped at its limit: more may lie beyond what it returned.
  const count = below.capped ? `${below.more} or more score` : `${below.more} more ${below.more === 1 ? "scores" : "score"}`;
  return `${count} below ${score(last.score)}.`;
}
