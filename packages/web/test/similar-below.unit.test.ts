/** The closest results under a default threshold that left too few, and how the panel says so. */
import { describe, expect, it } from "vitest";
import type { ObjectHit } from "../src/api/types";
import { belowMore, belowSummary, closestBelow, NO_BELOW, thresholdFor, wantsBelow } from "../src/objects/similar-below";

const hit = (n: number, score: number): ObjectHit =>
  ({ kind: "object", objectId: `vid_a#o${n}`, videoId: "vid_a", videoTitle: "party.mp4", label: "person", timeSec: n, start: n, end: n + 1, score, thumbnailUrl: `/o/${n}.jpg` }) as ObjectHit;
const score = (n: number) => n.toFixed(2);
const scores = [0.74, 0.7, 0.66, 0.61, 0.58, 0.52, 0.5, 0.41, 0.3];

describe("closest below the threshold", () => {
  it("only looks when the threshold is the default one and it left fewer than three", () => {
    expect(wantsBelow(0, false)).toBe(true);
    expect(wantsBelow(2, false)).toBe(true);
    expect(wantsBelow(3, false)).toBe(false);
    // A threshold the user set stands, even with nothing above it.
    expect(wantsBelow(0, true)).toBe(false);
  });

  it("keeps the best six under the threshold, in the API's order, and counts the rest", () => {
    const floored = scores.map((s, i) => hit(i, s));
    const below = closestBelow([], floored, 0.8, 48);
    expect(below.hits.map((h) => h.score)).toEqual([0.74, 0.7, 0.66, 0.61, 0.58, 0.52]);
    expect(below).toMatchObject({ more: 3, capped: false });
    expect(belowSummary(0, below, 0.8, score)).toBe("Nothing at or above 0.80; the 6 closest, from 0.74 down.");
    expect(belowMore(below, score)).toBe("3 more score below 0.52.");
  });

  it("leaves out what the threshold already found, and says when the search hit its limit", () => {
    const above = [hit(100, 0.93)];
    const floored = [above[0]!, ...scores.slice(0, 7).map((s, i) => hit(i, s))];
    const below = closestBelow(above, floored, 0.8, 8);
    expect(below.hits.map((h) => h.objectId)).not.toContain(above[0]!.objectId);
    expect(below).toMatchObject({ more: 1, capped: true });
    expect(belowSummary(1, below, 0.8, score)).toBe("1 similar object at or above 0.80, then the 6 closest, from 0.74 down.");
    expect(belowMore(below, score)).toBe("1 or more score below 0.52.");
  });

  it("says nothing extra when there is nothing under the threshold", () => {
    expect(closestBelow([], [], 0.8, 48)).toEqual(NO_BELOW);
    expect(belowSummary(0, NO_BELOW, 0.8, score)).toBe("");
    const one = closestBelow([], [hit(1, 0.42)], 0.8, 48);
    expect(belowSummary(0, one, 0.8, score)).toBe("Nothing at or above 0.80; the closest, at 0.42.");
    expect(belowMore(one, score)).toBe("");
  });

  it("lowers the slider to a value that takes in the last one shown", () => {
    expect(thresholdFor(0.527)).toBe(0.52);
    expect(thresholdFor(0.52)).toBe(0.52);
    expect(thresholdFor(-0.1)).toBe(0);
  });
});
