// @vitest-environment happy-dom
/**
 * The results say when ready videos are out of reach of the model that answered (they were
 * indexed with another one), above the hits and above an empty answer alike; a search that
 * reached everything says nothing more.
 */
import { createElement } from "react";
import { afterEach, describe, expect, it } from "vitest";
import type { FrameHit, ModelMismatch } from "../src/api/types";
import { Results } from "../src/components/Results";
import type { SearchState } from "../src/search/store";
import { render, type Rendered } from "./support/react";

const mismatch: NonNullable<ModelMismatch> = {
  code: "search.model_mismatch",
  message: "2 ready videos were indexed with another model than the one answering (clip-b): clip-a (2 videos). They are not searched; set VOS_CLIP_MODEL to that model to reach them.",
  videos: 2,
  model: { key: "sha256:bbbbbbbbbbbbbbbb", name: "clip-b" },
  others: [{ key: "sha256:aaaaaaaaaaaaaaaa", name: "clip-a", videos: 2 }],
};
const hit: FrameHit = { kind: "frame", videoId: "vid_1", videoTitle: "party.mp4", timeSec: 3, start: 2, end: 4, score: 0.31, frameNo: 3, thumbnailUrl: "/api/files/t.jpg" };
const done = (hits: FrameHit[], found: ModelMismatch): SearchState => ({ status: "done", query: { kind: "text", text: "a dog" }, filters: {}, hits, mismatch: found });

let view: Rendered | undefined;
afterEach(() => view?.unmount());

const show = (state: SearchState) => {
  view = render(createElement(Results, { state, resolveUrl: (url: string) => url, hrefOf: () => "#", onOpen: () => {}, onRetry: () => {} }));
  return view.container;
};

describe("results from another model's library", () => {
  it("say how many videos the search could not reach, above the hits", () => {
    const page = show(done([hit], mismatch));
    const notice = page.querySelector<HTMLElement>(".model-mismatch")!;
    expect(notice.querySelector("[role=status]")!.textContent).toBe(mismatch.message);
    expect(notice.dataset.videos).toBe("2");
    // The notice comes first: the list follows it.
    expect(notice.compareDocumentPosition(page.querySelector("ol.results")!) & Node.DOCUMENT_POSITION_FOLLOWING).toBe(Node.DOCUMENT_POSITION_FOLLOWING);
    expect(page.querySelectorAll("a.hit")).toHaveLength(1);
  });

  it("say it above an empty answer too, which is then not a plain 'no moments'", () => {
    const page = show(done([], mismatch));
    expect(page.querySelector(".model-mismatch")!.textContent).toContain("2 ready videos were indexed with another model");
    expect(page.querySelector("[data-state=empty]")).not.toBeNull();
  });

  it("add nothing when the search reached every video", () => {
    const page = show(done([hit], null));
    expect(page.querySelector(".model-mismatch")).toBeNull();
  });
});
