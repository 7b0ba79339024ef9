// @vitest-environment happy-dom
/** The player's parts that need no server: the box overlay and its labels, the timeline and the address bar. */
import { createElement } from "react";
import { afterEach, describe, expect, it } from "vitest";
import type { DetectedObject, ObjectHit, SearchHit } from "../src/api/types";
import { BoxLayer, displayedFrameRect } from "../src/components/BoxOverlay";
import { Timeline } from "../src/components/Timeline";
import { apiBaseFrom } from "../src/api/client";
import { boxAt, objectBoxesAt, objectsAt, searchBoxesAt, shownLabel, trackObjectAt, trackSpan, trackSuccessors } from "../src/objects/boxes";
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
  timeSec: start,
  kind: "object",
  objectId: `vid_a#o${start}.${k}`,
  label,
  detectorScore: 0.9,
  box: { x: 0.1 * k, y: 0.2, w: 0.3, h: 0.4 },
  trackId: `vid_a#t${start}.${k}`,
  detections: 1,
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
    // A hit spans its track (3-9 s); its box is the one at its best moment, 5 s, and only there.
    const track: SearchHit = { ...object(3, "person", 1), timeSec: 5, end: 9 };
    expect([3.5, 5, 5.9, 6.5, 8].map((t) => searchBoxesAt([track], t).length)).toEqual([0, 1, 1, 0, 0]);
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
    expect(first!.getAttribute("aria-label")).toBe("person 0.93");
    expect(second!.getAttribute("aria-label")).toBe("object");
    expect(first!.getAttribute("aria-pressed")).toBe("false");
    click(second!);
    expect(selected).toBe("o2");
  });

  it("marks the selected box, tones and names boxes, and shows the score where there is room", () => {
    const boxes = [
      { id: "wide", x: 0.1, y: 0.5, width: 0.5, height: 0.3, label: "guest", score: 0.48, name: "guest 0.48 at 0:06", tone: "labelled" as const, title: "labelled guest" },
      { id: "narrow", x: 0.7, y: 0.01, width: 0.05, height: 0.2, label: "person", score: 0.3, tone: "match" as const },
    ];
    rendered = render(createElement(BoxLayer, { boxes, frame: { left: 0, top: 0, width: 400, height: 300 }, selectedId: "narrow", onSelect: () => {} }));
    const [wide, narrow] = Array.from(rendered.container.querySelectorAll<HTMLButtonElement>("button.box"));
    expect(wide!.getAttribute("aria-label")).toBe("guest 0.48 at 0:06");
    expect(wide!.title).toBe("labelled guest");
    expect(wide!.className).toBe("box labelled");
    // 200 px across: room for the score; 20 px: the label alone.
    expect(wide!.querySelector(".box-label")!.textContent).toBe("guest 0.48");
    expect(narrow!.querySelector(".box-label")!.textContent).toBe("person");
    // 3 px from the top of the frame: the label goes inside the box, not above the picture.
    expect(narrow!.className).toBe("box match selected label-inside");
    expect(narrow!.getAttribute("aria-pressed")).toBe("true");
  });

  it("leaves the bottom of the player to the video's controls", () => {
    const boxes = [
      { id: "low", x: 0, y: 0.5, width: 0.2, height: 0.5 },
      { id: "high", x: 0.5, y: 0, width: 0.2, height: 0.4 },
      { id: "bottom", x: 0.8, y: 0.9, width: 0.1, height: 0.1 },
    ];
    // A 4:3 frame letterboxed 20 px from the element's top and bottom; 64 px of controls.
    rendered = render(createElement(BoxLayer, { boxes, frame: { left: 0, top: 20, width: 400, height: 300 }, reserveBottom: 64, onSelect: () => {} }));
    const hit = (id: string) => rendered!.container.querySelector<HTMLElement>(`[data-id="${id}"] .box-hit`)!.style.bottom;
    // Clicks end 44 px above the frame's bottom edge (64 px above the element's).
    expect(hit("low")).toBe("44px");
    expect(hit("high")).toBe("");
    expect(hit("bottom")).toBe("30px");
  });
});

const detected = (id: string, timeSec: number, endSec: number, labels: DetectedObject["labels"] = [], score = 0.48): DetectedObject => ({
  id,
  videoId: "vid_a",
  frameNo: timeSec,
  timeSec,
  endSec,
  label: "person",
  score,
  box: { x: 0.1, y: 0.2, w: 0.3, h: 0.4 },
  trackId: id.replace("#o", "#t"),
  cropUrl: `/api/files/${id}.jpg`,
  labels,
});

describe("tracks in the player", () => {
  // One person followed over three frames (0-3 s), another object at 1 s.
  const walk = [
    { ...detected("vid_a#o0.0", 0, 1), trackId: "vid_a#t0.0", box: { x: 0.1, y: 0.2, w: 0.2, h: 0.4 } },
    { ...detected("vid_a#o1.0", 1, 2), trackId: "vid_a#t0.0", box: { x: 0.3, y: 0.2, w: 0.2, h: 0.4 } },
    { ...detected("vid_a#o1.1", 1, 2), trackId: "vid_a#t1.1", label: "dog" },
    { ...detected("vid_a#o2.0", 2, 3), trackId: "vid_a#t0.0", box: { x: 0.5, y: 0.2, w: 0.2, h: 0.4 } },
  ];

  it("spans a track from its first detection to the end of its last frame", () => {
    expect(trackSpan(walk, "vid_a#t0.0")).toEqual({ trackId: "vid_a#t0.0", label: "person", start: 0, end: 3, frames: 3 });
    expect(trackSpan(walk, "vid_a#t9.9")).toBeUndefined();
  });

  it("finds the track's box on the frame on screen, so the selection follows the object", () => {
    expect([0.2, 1.5, 2.9].map((t) => trackObjectAt(walk, "vid_a#t0.0", t)?.box.x)).toEqual([0.1, 0.3, 0.5]);
    expect(trackObjectAt(walk, "vid_a#t1.1", 0.5)).toBeUndefined();
  });

  it("moves a box toward its track's next box between sampled frames, and not across a gap", () => {
    const next = trackSuccessors(walk);
    expect([...next].map(([id, o]) => [id, o.id])).toEqual([
      ["vid_a#o0.0", "vid_a#o1.0"],
      ["vid_a#o1.0", "vid_a#o2.0"],
    ]);
    const person = (t: number) => objectBoxesAt(walk, t, new Set(), next).find((box) => box.id.endsWith(".0"))!;
    expect([0, 0.5, 1.25, 2.5].map((t) => Number(person(t).x.toFixed(3)))).toEqual([0.1, 0.2, 0.35, 0.5]);
    expect(person(0.5)).toMatchObject({ y: 0.2, width: 0.2, height: 0.4 });
    // Seen at 0 s and again at 2 s only: the detector missed it at 1 s, so the box stays put.
    const gap = [walk[0]!, walk[3]!];
    expect(trackSuccessors(gap).size).toBe(0);
    expect(boxAt(walk[0]!, undefined, 0.5)).toEqual(walk[0]!.box);
  });

  it("lights the track on the timeline and says when it is in view", () => {
    rendered = render(createElement(Timeline, { duration: 10, current: 1, hits: [], track: trackSpan(walk, "vid_a#t0.0"), onSeek: () => {} }));
    const view = rendered;
    const span = view.container.querySelector<HTMLElement>(".timeline-span")!;
    expect(span.dataset.track).toBe("vid_a#t0.0");
    expect(span.style.left).toBe("0%");
    expect(view.container.textContent).toContain("person in view 0:00");
  });
});

describe("object labels", () => {
  it("names an object by a person's label over the detector's, and marks a probable one", () => {
    expect(shownLabel(detected("a", 0, 3))).toEqual({ text: "person", label: "person", source: "detector" });
    expect(shownLabel(detected("a", 0, 3, [{ label: "guest", polarity: "positive", source: "probable" }]))).toEqual({ text: "guest?", label: "guest", source: "probable" });
    expect(shownLabel(detected("a", 0, 3, [{ label: "guest", polarity: "positive", source: "propagated" }])).text).toBe("guest");
    // A label a person set wins over one carried from a near-duplicate, and a negative names nothing.
    const both = detected("a", 0, 3, [
      { label: "staff", polarity: "negative", source: "explicit" },
      { label: "guest", polarity: "positive", source: "propagated" },
      { label: "host", polarity: "positive", source: "explicit" },
    ]);
    expect(shownLabel(both)).toEqual({ text: "host", label: "host", source: "explicit" });
    expect(shownLabel(detected("a", 0, 3, [{ label: "staff", polarity: "negative", source: "explicit" }])).text).toBe("person");
  });

  it("draws every object of the frame on screen, from its time to the next sampled frame", () => {
    const objects = [detected("a", 0, 3), detected("b", 6, 9), detected("c", 6, 9, [{ label: "guest", polarity: "positive", source: "explicit" }], 0.9), detected("d", 9, 12)];
    expect(objectsAt(objects, 0).map((o) => o.id)).toEqual(["a"]);
    expect(objectsAt(objects, 4.5)).toEqual([]);
    expect(objectsAt(objects, 5.9995).map((o) => o.id)).toEqual(["b", "c"]);
    expect(objectsAt(objects, 8.99).map((o) => o.id)).toEqual(["b", "c"]);
    expect(objectsAt(objects, 9).map((o) => o.id)).toEqual(["d"]);
    // The end of the video still shows the last frame's objects.
    expect(objectsAt(objects, 12).map((o) => o.id)).toEqual(["d"]);

    const boxes = objectBoxesAt(objects, 6.5, new Set(["b"]));
    expect(boxes.map((box) => [box.id, box.name, box.label, box.tone])).toEqual([
      ["b", "person 0.48 at 0:06", "person", "match"],
      ["c", "guest 0.90 at 0:06", "guest", "labelled"],
    ]);
    expect(boxes[0]).toMatchObject({ x: 0.1, y: 0.2, width: 0.3, height: 0.4, score: 0.48 });
    expect(boxes[0]!.title).toBe("Detected person (48 % sure) · found by the search · click for similar objects");
    const guessed = objectBoxesAt([detected("e", 0, 3, [{ label: "guest", polarity: "positive", source: "probable" }])], 1);
    expect(guessed[0]).toMatchObject({ label: "guest?", name: "guest? 0.48 at 0:00", tone: "probable" });
  });
});

describe("timeline", () => {
  it("marks each moment of the search in time order, stacking overlaps on lanes, and seeks to it", () => {
    const seeks: number[] = [];
    const hits = [hit(10, 15, 0.9, 3), hit(0, 5, 0.4, 0), object(17, "person", 1), object(12, "dog", 2)];
    rendered = render(createElement(Timeline, { duration: 20, current: 12, hits, onSeek: (s: number) => seeks.push(s) }));
    const markers = Array.from(rendered.container.querySelectorAll<HTMLButtonElement>("button.marker"));
    // Tab walks the timeline left to right; the names keep the search's ranks.
    expect(markers.map((m) => m.getAttribute("aria-label"))).toEqual([
      "Moment 2: 0:00–0:05, score 0.40",
      "Moment 1: 0:10–0:15, score 0.90",
      "Object 4 (dog): 0:12–0:13, score 0.30",
      "Object 3 (person): 0:17–0:18, score 0.30",
    ]);
    // The dog overlaps moment 1: it goes on a second lane instead of into one bar with it.
    expect(markers.map((m) => m.dataset.lane)).toEqual(["0", "0", "1", "0"]);
    expect(markers[2]!.style.getPropertyValue("--lane")).toBe("1");
    expect(rendered.container.querySelector<HTMLElement>(".timeline-track")!.style.getPropertyValue("--lanes")).toBe("2");
    expect(markers[1]!.style.left).toBe("50%");
    expect(markers[0]!.style.left).toBe("0%");
    expect(markers[1]!.className).toContain("active");
    expect(markers[0]!.className).not.toContain("active");
    click(markers[0]!);
    expect(seeks).toEqual([0.5]);
    expect(rendered.container.textContent).toContain("4 moments marked");
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

  it("keeps a picture search by the id of its kept picture, never beside words", () => {
    const id = "ab".repeat(32);
    const route = parseRoute(`?view=search&image=${id}&min=0.3`);
    expect(route).toEqual({ view: "search", image: id, min: 0.3 });
    expect(parseRoute(routeQuery(route))).toEqual(route);
    // A bare link opens the search; words win over a picture; an id that is not one is ignored.
    expect(parseRoute(`?image=${id}`)).toEqual({ view: "search", image: id });
    expect(parseRoute(`?q=boats&image=${id}`)).toEqual({ view: "search", q: "boats" });
    expect(parseRoute("?view=search&image=../../etc")).toEqual({ view: "search" });
  });

  it("builds the API base from VITE_API_URL", () => {
    expect(apiBaseFrom(undefined)).toBe("/api");
    expect(apiBaseFrom("")).toBe("/api");
    expect(apiBaseFrom("https://abc.execute-api.eu-west-1.amazonaws.com")).toBe("https://abc.execute-api.eu-west-1.amazonaws.com/api");
    expect(apiBaseFrom("https://api.example.com/api/")).toBe("https://api.example.com/api");
  });
});
