/**
 * Lanes for the timeline's markers: moments and object tracks often overlap in time, and drawn on
 * one row they merge into a single bar with no way to tell or reach them apart.
 */

export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface LaneOptions {
  /** The shortest a span is drawn (a marker has a minimum width), in the spans' unit. */
  minLength?: number;
  /** Space kept between two spans on one lane, so that they do not touch into one bar. */
  gap?: number;
  /** At most this many lanes; past it, a span joins the lane that frees up first. */
  maxLanes?: number;
}

export interface Lanes {
  /** The lane of each span, by its index in the input; 0 is the top one. */
  lane: number[];
  /** How many lanes are used (at least 1). */
  count: number;
  /** The spans' indexes by time: start, then end, then input order. */
  order: number[];
}

/**
 * Greedy interval partitioning in time order: each span takes the first lane that is free at its
 * start, so the earliest spans sit on the top lane and every lane runs left to right.
 */
export function assignLanes(spans: readonly Span[], { minLength = 0, gap = 0, maxLanes = 3 }: LaneOptions = {}): Lanes {
  const order = spans.map((_, i) => i).sort((a, b) => spans[a]!.start - spans[b]!.start || spans[a]!.end - spans[b]!.end || a - b);
  const lane = new Array<number>(spans.length).fill(0);
  /** Where each lane's last span ends, as drawn. */
  const ends: number[] = [];
  for (const i of order) {
    const { start, end } = spans[i]!;
    let pick = ends.findIndex((laneEnd) => laneEnd + gap <= start);
    if (pick < 0 && ends.length < Math.max(1, maxLanes)) pick = ends.length;
    // Every lane is busy: the one that frees up first keeps the overlap smallest.
    if (pick < 0) pick = ends.indexOf(Math.min(...ends));
    lane[i] = pick;
    ends[pick] = Math.max(ends[pick] ?? Number.NEGATIVE_INFINITY, end, start + minLength);
  }
  return { lane, count: Math.max(1, ends.length), order };
}
