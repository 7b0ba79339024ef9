// @vitest-environment happy-dom
/** The player's parts that need no server: the box overlay, the timeline and the address bar. */
import { createElement } from "react";
import { afterEach, describe, expect, it } from "vitest";
import type { ObjectHit, SearchHit } from "../src/api/types";
import { BoxLayer, displayedFrameRect } from "../src/components/BoxOverlay";
import { searchBoxesAt } from "../src/components/Player";
import { Timeline } from "../src/components/Timeline";
import { apiBaseFrom } from "../src/api/client";
import { parseRoute, routeQuery } from "../src/lib/route";
import { click, render, type Rendered } from "./support/react";

let rendered: Rendered | undefined;
afterEach(() => {
  rendered?.unmount();
  rendered = undefined;
});

const hit = (start: number, end: number, score: number, frameNo: number): SearchHit => ({
  videoId: "vid_a",
  videoTitle: "a.mp4",
  kind: "frame",
  timeSec: start + 0.5,
  start,
  end,
  score,
  frameNo,
  thumbnailUrl: `/api/files/local/videos/vid_a/frames/${frameNo}.jpg`,
});

const object = (start: number, label: string, k: number): ObjectHit => ({
  ...hit(start, start + 1, 0.3, start),
  kind: "object",
  objectId: `vid_a#o${start}.${k}`,
  label,
  detectorScore: 0.9,
  box: { x: 0.1 * k, y: 0.2, w: 0.3, h: 0.4 },
  labelMatch: false,
});

describe("box overlay", () => {
  it("finds the frame inside a letterboxed element", () => {
    // 4:3 video in a 16:9 box: bars left and right.
    expect(displayedFrameRect({ width: 640, height: 360 }, { width: 320, height: 240 })).toEqual({ left: 80, top: 0, width: 480, height: 360 });
    // 16:9 video in a 4:3 box: bars top and bottom.
    expect(displayedFrameRect({ width: 400, height: 300 }, { width: 1280, height: 720 })).toEqual({ left: 0, top: 37.5, width: 400, height: 225 });
    expect(displayedFrameRect({ width: 400, height: 300 }, { width: 0, height: 0 })).toEqual({ left: 0, top: 0, width: 0, height: 0 });
  });

  it("renders nothing without boxes", () => {
    rendered = render(createElement(BoxLayer, { boxes: [], frame: { left: 0, top: 0, width: 100, height: 100 } }));
    expect(rendered.container.innerHTML).toBe("");
  });

  it("takes the boxes of the search's objects while their frame is on screen", () => {
    const hits: SearchHit[] = [hit(0, 5, 0.9, 0), object(3, "person", 1), object(3, "dog", 2), object(8, "car", 1)];
    expect(searchBoxesAt(hits, 3.2)).toEqual([
      { id: "vid_a#o3.1", x: 0.1, y: 0.2, width: 0.3, height: 0.4, label: "person", score: 0.9 },
      { id: "vid_a#o3.2", x: 0.2, y: 0.2, width: 0.3, height: 0.4, label: "dog", score: 0.9 },
    ]);
    expect(searchBoxesAt(hits, 8)).toHaveLength(1);
    expect(searchBoxesAt(hits, 1)).toEqual([]);
  });

  it("places boxes over the displayed frame in fractions of it", () => {
    const boxes = [
      { id: "o1", x: 0.1, y: 0.2, width: 0.3, height: 0.4, label: "person", score: 0.93 },
      { id: "o2", x: 0.5, y: 0.5, width: 0.25, height: 0.25 },
    ];
    let selected = "";
    rendered = render(createElement(BoxLayer, { boxes, frame: { left: 80, top: 0, width: 480, height: 360 }, onSelect: (box) => (selected = box.id) }));
    const layer = rendered.container.querySelector<HTMLElement>('[data-testid="box-layer"]')!;
    expect(layer.style.left).toBe("80px");
    expect(layer.style.width).toBe("480px");
    const [first, second] = Array.from(layer.querySelectorAll<HTMLButtonElement>("button.box"));
    expect(first!.style.left).toBe("10%");
    expect(first!.style.top).toBe("20%");
    expect(first!.style.width).toBe("30%");
    expect(first!.style.height).toBe("40%");
    expect(first!.getAttribute("aria-label")).toBe("Select person 93 %");
    expect(second!.getAttribute("aria-label")).toBe("Select object");
    click(second!);
    expect(selected).toBe("o2");
  });
});

describe("timeline", () => {
  it("marks each moment of the search and seeks to it", () => {
    const seeks: number[] = [];
    const hits = [hit(10, 15, 0.9, 3), hit(0, 5, 0.4, 0), object(17, "person", 1)];
    rendered = render(createElement(Timeline, { duration: 20, current: 12, hits, onSeek: (s: number) => seeks.push(s) }));
    const markers = Array.from(rendered.container.querySelectorAll<HTMLButtonElement>("button.marker"));
    expect(markers.map((m) => m.getAttribute("aria-label"))).toEqual([
      "Moment 1: 0:10–0:15, score 0.90",
      "Moment 2: 0:00–0:05, score 0.40",
      "Object 3 (person): 0:17–0:18, score 0.30",
    ]);
    expect(markers[0]!.style.left).toBe("50%");
    expect(markers[1]!.style.left).toBe("0%");
    expect(markers[0]!.className).toContain("active");
    expect(markers[1]!.className).not.toContain("active");
    click(markers[1]!);
    expect(seeks).toEqual([0.5]);
    expect(rendered.container.textContent).toContain("3 moments marked");
  });
});

describe("address bar", () => {
  it("round-trips a shareable player link", () => {
    const route = parseRoute("?view=search&q=a+red+car&video=vid_a&min=0.2&kind=object&v=vid_a&t=12.5");
    expect(route).toEqual({ view: "search", q: "a red car", video: "vid_a", min: 0.2, kind: "object", v: "vid_a", t: 12.5 });
    expect(parseRoute(routeQuery(route))).toEqual(route);
  });

  it("opens a bare search link on the search view and ignores junk", () => {
    expect(parseRoute("?q=boats")).toEqual({ view: "search", q: "boats" });
    expect(parseRoute("?v=vid_a&t=abc")).toEqual({ view: "library", v: "vid_a" });
    expect(parseRoute("?t=5&min=7&kind=everything")).toEqual({ view: "library", min: 1 });
    expect(routeQuery({ view: "library" })).toBe("");
    // The library keeps the words of the search without turning into the search view.
    expect(parseRoute(routeQuery({ view: "library", q: "boats" }))).toEqual({ view: "library", q: "boats" });
  });

  it("builds the API base from VITE_API_URL", () => {
    expect(apiBaseFrom(undefined)).toBe("/api");
    expect(apiBaseFrom("")).toBe("/api");
    expect(apiBaseFrom("https://abc.execute-api.eu-west-1.amazonaws.com")).toBe("https://abc.execute-api.eu-west-1.amazonaws.com/api");
    expect(apiBaseFrom("https://api.example.com/api/")).toBe("https://api.example.com/api");
  });
});
