/** One frame that matched, hydrated from the database. */
export interface FrameHit {
  videoId: string;
  frameNo: number;
  timeSec: number;
  endSec: number;
  score: number;
}

/** Neighbouring hits of one video merged into a span, represented by its best frame. */
export interface Moment {
  videoId: string;
  start: number;
  end: number;
  score: number;
  best: FrameHit;
  frames: number;
}

export interface MergeOptions {
  /** Hits this close (seconds) to a moment's span count as neighbours. */
  gapSec?: number;
  /** A neighbour joins only if it scores at most this far below the moment's best frame, so a
   * strong moment does not swallow the weaker scene next to it. */
  maxScoreDrop?: number;
}

interface Span {
  start: number;
  end: number;
}

/** Shares some time (half-open spans: one ending where the other starts does not). */
const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;
const near = (a: Span, b: Span, gapSec: number) => a.start <= b.end + gapSec && a.end >= b.start - gapSec;

/**
 * Grows moments from the best hits down, so that one video's moments never overlap:
 * - a hit sharing time with a moment belongs to it, whatever its score (one stretch of video is
 *   one result);
 * - a hit within `gapSec` of a moment joins it when it scores at most `maxScoreDrop` below it,
 *   else it starts its own moment: a weaker scene next to a strong one stays a separate result,
 *   touching it but not overlapping;
 * - a moment that grows into another (overlapping it, or near it with a close score) takes it
 *   in. The merged moment keeps the stronger one's best frame, and so its score.
 * Best first.
 */
export function mergeMoments(hits: FrameHit[], options: MergeOptions = {}): Moment[] {
  const gapSec = options.gapSec ?? 1;
  const maxScoreDrop = options.maxScoreDrop ?? 0.05;
  const ordered = [...hits].sort((a, b) => b.score - a.score || a.timeSec - b.timeSec);
  const byVideo = new Map<string, Moment[]>();
  for (const hit of ordered) {
    const own = byVideo.get(hit.videoId) ?? [];
    byVideo.set(hit.videoId, own);
    const span = { start: hit.timeSec, end: hit.endSec };
    const joined =
      own.find((moment) => overlaps(span, moment)) ??
      own.find((moment) => near(span, moment, gapSec) && hit.score >= moment.score - maxScoreDrop);
    if (!joined) {
      own.push({ videoId: hit.videoId, start: hit.timeSec, end: hit.endSec, score: hit.score, best: hit, frames: 1 });
      continue;
    }
    joined.start = Math.min(joined.start, hit.timeSec);
    joined.end = Math.max(joined.end, hit.endSec);
    joined.frames += 1;
    absorbNeighbours(joined, own, gapSec, maxScoreDrop);
  }
  return [...byVideo.values()].flat().sort((a, b) => b.score - a.score || a.videoId.localeCompare(b.videoId) || a.start - b.start);
}

/** Folds into `grown` every other moment of its video it now overlaps or nearly matches next to. */
function absorbNeighbours(grown: Moment, own: Moment[], gapSec: number, maxScoreDrop: number): void {
  for (;;) {
    const other = own.find(
      (moment) => moment !== grown && (overlaps(moment, grown) || (near(moment, grown, gapSec) && Math.abs(moment.score - grown.score) <= maxScoreDrop)),
    );
    if (!other) return;
    own.splice(own.indexOf(other), 1);
    grown.start = Math.min(grown.start, other.start);
    grown.end = Math.max(grown.end, other.end);
    grown.frames += other.frames;
    if (other.score > grown.score) {
      grown.score = other.score;
      grown.best = other.best;
    }
  }
}
