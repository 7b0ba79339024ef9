import type { SearchHit } from "../api/types";

/**
 * A hit is a strong match when it scores at least this share of the best hit's score. Cosine
 * scores from CLIP are compressed: for words, a good match scores about 0.30 and an unrelated
 * frame about 0.20, so a cut at 60-70% of the best would call nearly everything strong; 85% of
 * 0.30 (0.255) separates them. For a picture, where a near copy scores 0.9 and more, the same
 * share cuts at about 0.77, under frames of the same scene and above unrelated ones.
 */
export const STRONG_SHARE = 0.85;

export interface RelevanceGroups {
  /** Hits at or above the cut, and hits whose label the words named, in the API's order. */
  strong: SearchHit[];
  /** The rest, in the API's order (best first). */
  weaker: SearchHit[];
  /** The lowest score that counts as strong. */
  cut: number;
}

const named = (hit: SearchHit) => hit.kind === "object" && hit.labelMatch;

/**
 * Splits hits into strong and weaker matches relative to the best score. The best hit is always
 * strong (the cut is measured down from it, so a best score at or below zero still heads the
 * list); a hit whose detector label the query named stays strong whatever its score, as the
 * query asked for that object and its card says so. Neither group is re-sorted.
 */
export function groupByRelevance(hits: readonly SearchHit[], share = STRONG_SHARE): RelevanceGroups {
  if (hits.length === 0) return { strong: [], weaker: [], cut: 0 };
  const best = Math.max(...hits.map((hit) => hit.score));
  const cut = best - (1 - share) * Math.abs(best);
  const strong: SearchHit[] = [];
  const weaker: SearchHit[] = [];
  for (const hit of hits) (hit.score >= cut || named(hit) ? strong : weaker).push(hit);
  return { strong, weaker, cut };
}
