/**
 * Segments: a long video's run split into parts of the timeline, one job each, so several workers
 * share one video. Boundaries fall on VOS_MAX_GAP_SEC slots and each segment decodes from one slot
 * before its start (its lead-in), so with the fixed sampling slots of media/sampling.ts a
 * segmented run keeps the frames one pass keeps. Pure: the jobs are made by pipeline/ingest.ts.
 */

/** Segment i's frames are numbered from i * SEGMENT_FRAME_STRIDE (frame ids stay unique and ordered). */
export const SEGMENT_FRAME_STRIDE = 1_000_000;

export interface SegmentRange {
  segment: number;
  startSec: number;
  /** null: to the end of the video. */
  endSec: number | null;
}

/** Seconds per segment: `segmentSec` rounded to a whole number of `maxGapSec` slots (at least one). */
export function segmentLength(segmentSec: number, maxGapSec: number): number {
  return Math.max(1, Math.round(segmentSec / maxGapSec)) * maxGapSec;
}

/**
 * The segments of a video `durationSec` long. One segment (the whole video) when splitting is
 * off (`segmentSec` 0), the length is unknown, or the video is at most one segment and a slot
 * long: the last segment takes a short tail rather than leaving a job of a few seconds.
 */
export function planSegments(durationSec: number, segmentSec: number, maxGapSec: number): SegmentRange[] {
  if (!(segmentSec > 0) || !(durationSec > 0) || !Number.isFinite(durationSec)) return [{ segment: 0, startSec: 0, endSec: null }];
  const length = segmentLength(segmentSec, maxGapSec);
  const count = Math.max(1, Math.ceil((durationSec - maxGapSec) / length));
  return Array.from({ length: count }, (_, segment) => ({
    segment,
    startSec: segment * length,
    endSec: segment === count - 1 ? null : (segment + 1) * length,
  }));
}

/** Where a segment's decoder starts: one slot before the segment, so the sampler's state is that of one pass. */
export function leadInSec(range: Pick<SegmentRange, "startSec">, maxGapSec: number): number {
  return Math.max(0, range.startSec - maxGapSec);
}

/** "2 of 8 (2:00-4:00)" for messages and logs. */
export function describeSegment(range: SegmentRange, count: number): string {
  const clock = (sec: number) => `${Math.floor(sec / 60)}:${String(Math.floor(sec % 60)).padStart(2, "0")}`;
  return `${range.segment + 1} of ${count} (${clock(range.startSec)}-${range.endSec === null ? "end" : clock(range.endSec)})`;
}
