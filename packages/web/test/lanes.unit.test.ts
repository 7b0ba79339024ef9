/** The timeline's lanes: overlapping markers stack instead of merging into one bar, in time order. */
import { describe, expect, it } from "vitest";
import { assignLanes } from "../src/lib/lanes";

const span = (start: number, end: number) => ({ start, end });

describe("assignLanes", () => {
  it("keeps spans that do not overlap on one lane, in time order", () => {
    const spans = [span(10, 15), span(0, 5), span(17, 18)];
    expect(assignLanes(spans)).toEqual({ lane: [0, 0, 0], count: 1, order: [1, 0, 2] });
  });

  it("stacks overlapping spans, the earliest on the top lane", () => {
    // Best first, as the search ranks them: a long object track under two moments.
    const spans = [span(10, 20), span(0, 30), span(15, 16), span(25, 28)];
    const { lane, count, order } = assignLanes(spans);
    expect(order).toEqual([1, 0, 2, 3]);
    expect(lane).toEqual([1, 0, 2, 1]);
    expect(count).toBe(3);
    // No two spans on one lane overlap.
    for (let a = 0; a < spans.length; a++) {
      for (let b = a + 1; b < spans.length; b++) {
        if (lane[a] === lane[b]) expect(spans[a]!.end <= spans[b]!.start || spans[b]!.end <= spans[a]!.start).toBe(true);
      }
    }
  });

  it("counts a span's drawn length and the gap between neighbours", () => {
    // Two instants 0.5 s apart are drawn at least 2 s wide: they would overlap on screen.
    expect(assignLanes([span(3, 3), span(3.5, 3.5)], { minLength: 2 }).lane).toEqual([0, 1]);
    // Spans that touch end to end would read as one bar: the gap keeps them apart.
    expect(assignLanes([span(0, 5), span(5, 8)]).lane).toEqual([0, 0]);
    expect(assignLanes([span(0, 5), span(5, 8)], { gap: 0.1 }).lane).toEqual([0, 1]);
  });

  it("stops at maxLanes, putting the rest where a lane frees up first", () => {
    const spans = [span(0, 10), span(1, 4), span(2, 6), span(3, 5)];
    const { lane, count } = assignLanes(spans, { maxLanes: 3 });
    expect(count).toBe(3);
    expect(lane).toEqual([0, 1, 2, 1]);
  });

  it("has one lane for no spans", () => {
    expect(assignLanes([])).toEqual({ lane: [], count: 1, order: [] });
  });
});
