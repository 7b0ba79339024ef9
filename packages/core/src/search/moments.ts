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

/**
 * Grows moments from the best hits down: each hit joins a moment of its video that it touches
 * (within `gapSec`) and nearly matches in score, else starts a new one. Best first.
 */
export function mergeMoments(hits: FrameHit[], options: MergeOptions = {}): Moment[] {
  const gapSec = options.gapSec ?? 1;
  const maxScoreDrop = options.maxScoreDrop ?? 0.05;
  const ordered = [...hits].sort((a, b) => b.score - a.score || a.timeSec - b.timeSec);
  const byVideo = new Map<string, Moment[]>();
  const moments: Moment[] = [];
  for (const hit of ordered) {
    const own = byVideo.get(hit.videoId) ?? [];
    byVideo.set(hit.videoId, own);
    const joined = own.find(
      (moment) => hit.timeSec <= moment.end + gapSec && hit.endSec >= moment.start - gapSec && hit.score >= moment.score - maxScoreDrop,
    );
    if (joined) {
      joined.start = Math.min(joined.start, hit.timeSec);
      joined.end = Math.max(joined.end, hit.endSec);
      joined.frames += 1;
    } else {
      const moment: Moment = { videoId: hit.videoId, start: hit.timeSec, end: hit.endSec, score: hit.score, best: hit, frames: 1 };
      own.push(moment);
      moments.push(moment);
    }
  }
  // Created in score order, and a moment's score is its first (best) hit's: already best first.
  return moments;
}
