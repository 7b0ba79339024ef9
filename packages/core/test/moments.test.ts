import { describe, expect, it } from "vitest";
import { mulberry32 } from "../scripts/seeded-random.js";
import { mergeMoments, type FrameHit, type Moment } from "../src/search/moments.js";
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

  it("folds a weaker moment into a stronger one that grows over it (not 0-3 s and 1-12 s)", () => {
    // 0-1 s strong; 1-2 s too weak to join it; 2-3 s close enough to join 0-1 s across the gap,
    // which spans 1-2 s; 3-12 s weaker still. Before: 0-3 s (0.9) and 1-12 s (0.8), overlapping.
    const tail = Array.from({ length: 9 }, (_, i) => hit("a", 3 + i, 3 + i, 4 + i, 0.78 + i * 0.001));
    const moments = mergeMoments([hit("a", 0, 0, 1, 0.9), hit("a", 1, 1, 2, 0.8), hit("a", 2, 2, 3, 0.88), ...tail]);
    expect(moments.map((m) => [m.start, m.end, m.score, m.best.frameNo, m.frames])).toEqual([
      [0, 3, 0.9, 0, 3],
      [3, 12, 0.788, 11, 9],
    ]);
  });

  it("takes a hit that shares time with a moment into it, whatever its score", () => {
    const moments = mergeMoments([hit("a", 0, 0, 1, 0.9), hit("a", 2, 1.5, 2.5, 0.89), hit("a", 1, 1, 1.5, 0.1)]);
    expect(moments).toHaveLength(1);
    expect(moments[0]).toMatchObject({ start: 0, end: 2.5, score: 0.9, frames: 3 });
  });

  it("merges moments a weaker one grows into, keeping the stronger one's best frame and score", () => {
    // 0-1 (0.9) and 3-4 (0.7) stay apart; 1.5-3 (0.7) joins 3-4 and now lies within the gap of 0-1,
    // but scores 0.2 below it: apart still. Then 0.5-2 (0.69) shares time with both: one moment.
    const moments = mergeMoments([hit("a", 0, 0, 1, 0.9), hit("a", 3, 3, 4, 0.7), hit("a", 2, 1.5, 3, 0.7)]);
    expect(moments.map((m) => [m.start, m.end])).toEqual([
      [0, 1],
      [1.5, 4],
    ]);
    const grown = mergeMoments([hit("a", 0, 0, 1, 0.9), hit("a", 3, 3, 4, 0.7), hit("a", 2, 1.5, 3, 0.7), hit("a", 1, 0.5, 2, 0.69)]);
    expect(grown.map((m) => [m.start, m.end, m.score, m.best.frameNo, m.frames])).toEqual([[0, 4, 0.9, 0, 4]]);
  });

  describe("over random hit sets (seeded)", () => {
    const disjoint = (a: Moment, b: Moment) => a.end <= b.start || b.end <= a.start;

    /** Hits as search returns them: frames of a few videos, each standing until the next kept one. */
    function sampledHits(random: () => number): FrameHit[] {
      const hits: FrameHit[] = [];
      for (let v = 0; v < 1 + Math.floor(random() * 3); v++) {
        let time = 0;
        for (let frameNo = 0; frameNo < 40; frameNo++) {
          const endSec = time + (random() < 0.2 ? 0.1 + random() * 0.5 : 0.5 + random() * 4);
          if (random() < 0.5) hits.push(hit(`v${v}`, frameNo, round(time), round(endSec), round(0.2 + random() * 0.1 + (frameNo % 7) * 0.01)));
          time = endSec;
        }
      }
      return hits;
    }

    /** Hits with any spans, overlapping each other too: the rule must hold for every input. */
    function anyHits(random: () => number): FrameHit[] {
      return Array.from({ length: Math.floor(random() * 60) }, (_, frameNo) => {
        const start = random() * 30;
        return hit(random() < 0.7 ? "a" : "b", frameNo, round(start), round(start + random() * random() * 6), round(random()));
      });
    }

    const round = (x: number) => Math.round(x * 1000) / 1000;

    it.each([
      ["sampled frames", sampledHits],
      ["arbitrary spans", anyHits],
    ])("%s: one video's moments never overlap, best first, every hit in exactly one moment", (_, generate) => {
      const random = mulberry32(12);
      for (let trial = 0; trial < 250; trial++) {
        const hits = generate(random);
        const options = random() < 0.5 ? {} : { gapSec: random() * 2, maxScoreDrop: random() * 0.2 };
        const moments = mergeMoments(hits, options);
        for (let i = 0; i < moments.length; i++) {
          if (i > 0) expect(moments[i]!.score).toBeLessThanOrEqual(moments[i - 1]!.score);
          for (let j = i + 1; j < moments.length; j++) {
            if (moments[i]!.videoId === moments[j]!.videoId) expect(disjoint(moments[i]!, moments[j]!), JSON.stringify([moments[i], moments[j]])).toBe(true);
          }
        }
        expect(moments.reduce((sum, m) => sum + m.frames, 0)).toBe(hits.length);
        for (const h of hits) {
          const owners = moments.filter((m) => m.videoId === h.videoId && m.start <= h.timeSec && h.endSec <= m.end);
          expect(owners.length).toBeGreaterThanOrEqual(1);
        }
        // A moment's score is its best frame's, the best hit it holds.
        for (const m of moments) {
          expect(m.score).toBe(m.best.score);
          const inside = hits.filter((h) => h.videoId === m.videoId && m.start <= h.timeSec && h.endSec <= m.end);
          expect(Math.max(...inside.map((h) => h.score))).toBe(m.score);
        }
      }
    });
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
