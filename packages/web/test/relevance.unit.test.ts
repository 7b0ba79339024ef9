/** Strong and weaker matches relative to the best score, and how the results say so. */
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { FrameHit, ObjectHit, SearchHit } from "../src/api/types";
import { Results, resultsSummary } from "../src/components/Results";
import { groupByRelevance } from "../src/search/relevance";
import type { SearchState } from "../src/search/store";

const frame = (frameNo: number, score: number): FrameHit => ({
  kind: "frame",
  videoId: "vid_a",
  videoTitle: "party.mp4",
  timeSec: frameNo,
  start: frameNo,
  end: frameNo + 1,
  score,
  frameNo,
  thumbnailUrl: `/f/${frameNo}.jpg`,
});

const object = (frameNo: number, score: number, labelMatch: boolean): ObjectHit => ({
  ...frame(frameNo, score),
  kind: "object",
  objectId: `vid_a#o${frameNo}.0`,
  label: "person",
  detectorScore: 0.9,
  box: { x: 0.1, y: 0.2, w: 0.3, h: 0.4 },
  trackId: `vid_a#t${frameNo}`,
  detections: 3,
  labelMatch,
});

const scores = (hits: SearchHit[]) => hits.map((hit) => hit.score);
const done = (hits: SearchHit[]): SearchState => ({ status: "done", query: { kind: "text", text: "a person" }, filters: {}, hits, mismatch: null });

describe("groupByRelevance", () => {
  it("cuts CLIP's compressed word scores at 85 % of the best", () => {
    const { strong, weaker, cut } = groupByRelevance([0.31, 0.3, 0.27, 0.25, 0.21, 0.19].map((s, i) => frame(i, s)));
    expect(cut).toBeCloseTo(0.2635);
    expect(scores(strong)).toEqual([0.31, 0.3, 0.27]);
    expect(scores(weaker)).toEqual([0.25, 0.21, 0.19]);
  });

  it("keeps everything strong when the scores are close, and the best one always", () => {
    expect(groupByRelevance([0.9, 0.88, 0.8].map((s, i) => frame(i, s))).weaker).toEqual([]);
    expect(scores(groupByRelevance([frame(0, -0.1), frame(1, -0.3)]).strong)).toEqual([-0.1]);
    expect(groupByRelevance([])).toEqual({ strong: [], weaker: [], cut: 0 });
  });

  it("keeps a hit whose label the words named among the strong ones, in the API's order", () => {
    const hits = [object(0, 0.12, true), frame(1, 0.3), object(2, 0.1, false)];
    const { strong, weaker } = groupByRelevance(hits);
    expect(strong).toEqual([hits[0], hits[1]]);
    expect(weaker).toEqual([hits[2]]);
  });
});

describe("results", () => {
  const hits = [object(0, 0.12, true), frame(1, 0.3), frame(2, 0.29), frame(3, 0.06), frame(4, 0.02)];
  const props = { resolveUrl: (url: string) => url, hrefOf: () => "#", onOpen: () => {}, onRetry: () => {} };

  it("counts the strong matches and the weaker ones in the summary", () => {
    expect(resultsSummary(done(hits))).toBe("3 strong matches for “a person”, best first; 2 weaker ones below.");
    expect(resultsSummary(done(hits.slice(0, 3)))).toBe("3 moments for “a person”, best first.");
  });

  it("folds the weaker matches behind a named button, and says why a label match is listed first", () => {
    const html = renderToStaticMarkup(createElement(Results, { ...props, state: done(hits) }));
    expect(html.match(/class="hit /g)).toHaveLength(3);
    expect(html).toContain("Matches the label “person”");
    expect(html).toMatch(/<button type="button" class="button small" aria-expanded="false">.*Show 2 weaker matches<\/button>/);
    expect(html).toContain("scoring below 85 % of the best");
  });
});
