import { describe, expect, it } from "vitest";
import { mergeMoments, type FrameHit } from "../src/search/moments.js";
import { vectorId } from "../src/vector/index.js";
import { labelCandidates } from "../src/search/labels.js";

const hit = (videoId: string, frameNo: number, timeSec: number, endSec: number, score: number): FrameHit => ({ videoId, frameNo, timeSec, endSec, score });

describe("mergeMoments", () => {
  it("merges touching frames of one video into one moment represented by the best frame", () => {
    const moments = mergeMoments([hit("a", 1, 1, 2, 0.9), hit("a", 0, 0, 1, 0.88), hit("a", 2, 2, 3, 0.91)]);
    expect(moments).toHaveLength(1);
    expect(moments[0]).toMatchObject({ videoId: "a", start: 0, end: 3, score: 0.91, frames: 3 });
    expect(moments[0]!.best.frameNo).toBe(2);
  });

  it("keeps far-apart frames and other videos separate, best first", () => {
    const moments = mergeMoments([hit("a", 0, 0, 1, 0.5), hit("a", 9, 30, 31, 0.7), hit("b", 0, 0, 1, 0.6)]);
    expect(moments.map((m) => [m.videoId, m.start, m.score])).toEqual([
      ["a", 30, 0.7],
      ["b", 0, 0.6],
      ["a", 0, 0.5],
    ]);
  });

  it("joins neighbours within the gap but not beyond it", () => {
    expect(mergeMoments([hit("a", 0, 0, 1, 0.8), hit("a", 1, 1.9, 2.5, 0.8)], { gapSec: 1 })).toHaveLength(1);
    expect(mergeMoments([hit("a", 0, 0, 1, 0.8), hit("a", 1, 2.5, 3, 0.8)], { gapSec: 1 })).toHaveLength(2);
  });

  it("does not let a strong moment swallow a much weaker neighbouring scene", () => {
    const moments = mergeMoments([hit("a", 0, 0, 5, 0.95), hit("a", 1, 5, 10, 0.3)]);
    expect(moments.map((m) => [m.start, m.end])).toEqual([
      [0, 5],
      [5, 10],
    ]);
  });

  it("returns nothing for no hits", () => {
    expect(mergeMoments([])).toEqual([]);
  });
});

describe("vector ids", () => {
  it("are deterministic and parse back", () => {
    expect(vectorId.frame("vid_abc", 12)).toBe("vid_abc#f12");
    expect(vectorId.frame("vid_abc", 12)).toBe(vectorId.frame("vid_abc", 12));
    expect(vectorId.parse("vid_abc#f12")).toEqual({ videoId: "vid_abc", kind: "frame", frameNo: 12 });
    expect(vectorId.parse("nonsense")).toBeUndefined();
    expect(vectorId.frame("vid_abc", 1).startsWith(vectorId.videoPrefix("vid_abc"))).toBe(true);
    expect(vectorId.frame("vid_abcd", 1).startsWith(vectorId.videoPrefix("vid_abc"))).toBe(false);
  });
});

describe("labelCandidates", () => {
  it("offers singular forms and two-word names a query may be naming", () => {
    const candidates = labelCandidates("Two CATS on a dining tables, with buses and berries");
    for (const label of ["cat", "dining table", "bus", "berry", "two"]) expect(candidates).toContain(label);
    expect(candidates).not.toContain("dog");
  });

  it("keeps words that end in s but are not plurals", () => {
    expect(labelCandidates("a glass")).toContain("glass");
    expect(labelCandidates("a glass")).not.toContain("glas");
  });
});
