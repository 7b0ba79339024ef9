// @vitest-environment happy-dom
/**
 * The similar-objects panel against a real `vos serve` holding the video of real photographs
 * (the same party photo at 0-3 s and 6-9 s, so each person there has a twin): its store
 * (settings search again, the newest search wins, selection into sets, labelling with the
 * right requests) and the panel itself. Every test removes the labels it set.
 */
import { createElement } from "react";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApiClient, type ApiClient } from "../src/api/client";
import type { DetectedObject, ObjectHit, VideoView } from "../src/api/types";
import { SimilarPanel } from "../src/components/SimilarPanel";
import { thresholdFor } from "../src/objects/similar-below";
import { createSimilarStore, type SimilarState, type SimilarStore } from "../src/objects/similar-store";
import { formatRange } from "../src/lib/format";
import { photoVideoFixture } from "./support/fixtures";
import { ingestThroughApi } from "./support/ingest";
import { act, click, render, submitFrom, typeInto, until, type Rendered } from "./support/react";
import { startServer, type RunningServer } from "./support/server";

interface Call {
  method: string;
  /** Path and query as sent (still URL-encoded). */
  path: string;
  body?: unknown;
}

let server: RunningServer;
let api: ApiClient;
let video: VideoView;
let objects: DetectedObject[];
/** The most confident full-height person of the party's second appearance (6-9 s). */
let person: DetectedObject;
let rendered: Rendered | undefined;
const calls: Call[] = [];

beforeAll(async () => {
  const [started, file] = await Promise.all([startServer(), photoVideoFixture()]);
  server = started;
  (globalThis as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(`${server.url}/`);
  api = createApiClient({
    baseUrl: `${server.url}/api`,
    fetch: (input, init) => {
      const url = new URL(String(input));
      calls.push({ method: init?.method ?? "GET", path: `${url.pathname}${url.search}`, ...(typeof init?.body === "string" ? { body: JSON.parse(init.body) } : {}) });
      return fetch(input, init);
    },
  });
  video = await ingestThroughApi(api, file, "party.mp4");
  objects = await api.listObjects(video.id);
  person = objects.filter((o) => o.timeSec >= 6 && o.timeSec < 9 && o.box.h > 0.4).sort((a, b) => b.score - a.score)[0]!;
});

afterAll(async () => {
  await server?.stop();
});

afterEach(async () => {
  rendered?.unmount();
  rendered = undefined;
  for (const object of await api.listObjects(video.id, { probable: false })) {
    for (const label of object.labels) await api.removeLabel(object.id, label.label);
  }
  calls.length = 0;
});

const similarCalls = () => calls.filter((call) => call.path.endsWith("/similar"));
const labelCalls = () => calls.filter((call) => call.method === "PUT" || call.method === "DELETE");
const encoded = (id: string) => `/api/objects/${encodeURIComponent(id)}`;
/** Waits for the next search to start and finish. */
const searched = async (store: SimilarStore) => {
  await until(store, (state) => state.status === "loading", 5_000);
  return until(store, (state) => state.status === "done" || state.status === "error");
};
const done = (store: SimilarStore) => until(store, (state) => state.status === "done" || state.status === "error");
const ids = (state: SimilarState) => state.hits.map((hit) => hit.objectId);

describe("objects of a video", () => {
  it("lists the people the detector found with boxes, times and crops", () => {
    expect(objects.length).toBeGreaterThanOrEqual(8);
    expect(person).toBeDefined();
    expect(person.id).toMatch(new RegExp(`^${video.id}#o\\d+\\.\\d+$`));
    expect(person).toMatchObject({ videoId: video.id, label: "person", timeSec: 6, endSec: 9, labels: [] });
    expect(person.cropUrl).toMatch(/^\/api\/files\/.+\.jpg$/);
    // Nothing on the dark blue 3-6 s.
    expect(objects.some((o) => o.timeSec >= 3 && o.timeSec < 6)).toBe(false);
  });
});

describe("similar store", () => {
  it("searches when opened, keeping the API's ranking: the same person at 0-3 s first", async () => {
    const store = createSimilarStore(api);
    await store.open(person);
    const state = store.getSnapshot();
    expect(state.status).toBe("done");
    expect(similarCalls()).toEqual([{ method: "POST", path: `${encoded(person.id)}/similar`, body: { minScore: 0.8, mode: "focused", limit: 48 } }]);
    expect(state.hits).toEqual(await api.similarObjects(person.id, { minScore: 0.8, mode: "focused", limit: 48 }));
    const twin = state.hits[0]!;
    expect(twin.timeSec).toBeLessThan(3);
    expect(twin.score).toBeGreaterThan(0.99);
    expect(twin.videoTitle).toBe("party.mp4");
    expect(ids(state)).not.toContain(person.id);
    expect(state.hits.every((hit) => hit.score >= 0.8)).toBe(true);
    // The labels of the results' video were fetched (cheaply, without the neighbour vote) for their chips.
    expect(calls.some((call) => call.path === `/api/videos/${video.id}/objects?probable=false`)).toBe(true);
    expect(state.labels.get(twin.objectId)).toEqual([]);
  });

  it("searches again when the threshold, the mode or the scope changes; the slider waits for a pause", async () => {
    const store = createSimilarStore(api);
    await store.open(person);
    const strict = store.getSnapshot().hits.length;

    // Two slider moves in a row: one search, with the last value.
    store.setMinScore(0.7);
    store.setMinScore(0.5);
    expect(store.getSnapshot().settings.minScore).toBe(0.5);
    await searched(store);
    expect(similarCalls().map((call) => (call.body as { minScore: number }).minScore)).toEqual([0.8, 0.5]);
    const loose = store.getSnapshot().hits;
    expect(loose.length).toBeGreaterThan(strict);
    expect(loose.every((hit) => hit.score >= 0.5)).toBe(true);

    await store.setMode("expanded");
    expect(similarCalls().at(-1)!.body).toEqual({ minScore: 0.5, mode: "expanded", limit: 48 });
    expect(store.getSnapshot().hits).toEqual(await api.similarObjects(person.id, { minScore: 0.5, mode: "expanded", limit: 48 }));

    await store.setVideoOnly(true);
    expect(similarCalls().at(-1)!.body).toEqual({ minScore: 0.5, mode: "expanded", limit: 48, videoId: video.id });
    expect(store.getSnapshot().hits.every((hit) => hit.videoId === video.id)).toBe(true);

    // Settings carry over to the next object clicked.
    const other = objects.find((o) => o.id !== person.id && o.timeSec >= 6)!;
    await store.open(other);
    expect(similarCalls().at(-1)).toEqual({ method: "POST", path: `${encoded(other.id)}/similar`, body: { minScore: 0.5, mode: "expanded", limit: 48, videoId: video.id } });
  });

  it("lets the newest search win", async () => {
    const store = createSimilarStore(api);
    await store.open(person);
    store.setMinScore(0.3);
    const first = store.setMode("expanded");
    const second = store.setMode("focused");
    await Promise.all([first, second]);
    const state = store.getSnapshot();
    expect(state.status).toBe("done");
    expect(state.settings).toEqual({ minScore: 0.3, mode: "focused", videoOnly: false });
    expect(state.hits).toEqual(await api.similarObjects(person.id, { minScore: 0.3, mode: "focused", limit: 48 }));
  });

  it("selects results into a positive and a negative set", async () => {
    const store = createSimilarStore(api);
    await store.open(person);
    const [a, b, c] = ids(store.getSnapshot());
    store.toggle(a!, "positive");
    store.toggle(b!, "negative");
    store.toggle(c!, "positive");
    expect([...store.getSnapshot().bins]).toEqual([
      [a, "positive"],
      [b, "negative"],
      [c, "positive"],
    ]);
    store.toggle(a!, "negative"); // moves it
    store.toggle(c!, "positive"); // takes it out
    expect([...store.getSnapshot().bins]).toEqual([
      [a, "negative"],
      [b, "negative"],
    ]);

    store.selectAll("positive");
    const all = store.getSnapshot();
    expect(all.bins.size).toBe(all.hits.length);
    expect([...all.bins.values()].every((bin) => bin === "positive")).toBe(true);
    store.selectAll("positive"); // all in it already: clears
    expect(store.getSnapshot().bins.size).toBe(0);
    store.selectAll("negative");
    expect([...store.getSnapshot().bins.values()].every((bin) => bin === "negative")).toBe(true);

    // A stricter threshold drops the results that leave, and their selection.
    store.setMinScore(0.99);
    const after = await searched(store);
    expect(after.hits.length).toBeGreaterThan(0);
    expect(after.hits.length).toBeLessThan(all.hits.length);
    expect([...after.bins.keys()]).toEqual(ids(after));
    store.clearSelection();
    expect(store.getSnapshot().bins.size).toBe(0);
  });

  it("labels the object and the positives with propagation, the negatives as negative, and searches again", async () => {
    const store = createSimilarStore(api);
    await store.open(person);
    const [twin, positive] = store.getSnapshot().hits;
    store.toggle(twin!.objectId, "negative");
    store.toggle(positive!.objectId, "positive");
    calls.length = 0;
    await store.apply("  Guest ", { self: true });

    const puts = labelCalls();
    expect(puts.slice(0, 2).sort((x, y) => x.path.localeCompare(y.path))).toEqual(
      [
        { method: "PUT", path: `${encoded(person.id)}/labels`, body: { label: "guest", polarity: "positive", propagate: true } },
        { method: "PUT", path: `${encoded(positive!.objectId)}/labels`, body: { label: "guest", polarity: "positive", propagate: true } },
      ].sort((x, y) => x.path.localeCompare(y.path)),
    );
    // Negatives go last, so they win over a label carried to the same object.
    expect(puts.slice(2)).toEqual([{ method: "PUT", path: `${encoded(twin!.objectId)}/labels`, body: { label: "guest", polarity: "negative", propagate: false } }]);

    const state = store.getSnapshot();
    expect(state.outcome!.ok).toBe(true);
    expect(state.outcome!.text).toMatch(/^Labelled 2 “guest”, carried to \d+ near-duplicate tracks?; marked 1 as not “guest”\.$/);
    expect(state.revision).toBe(1);
    expect(state.recent).toEqual(["guest"]);
    expect(state.bins.size).toBe(0);
    // Searched again: the negative left the results.
    expect(similarCalls().length).toBe(1);
    expect(ids(state)).not.toContain(twin!.objectId);
    expect(ids(state)).toContain(positive!.objectId);
    expect(state.labels.get(person.id)).toEqual([{ label: "guest", polarity: "positive", source: "explicit" }]);
    expect(state.labels.get(twin!.objectId)).toEqual([{ label: "guest", polarity: "negative", source: "explicit" }]);
    // What the server now says.
    const objects = await api.listObjects(video.id, { probable: false });
    const listed = new Map(objects.map((o) => [o.id, o.labels]));
    expect(listed.get(positive!.objectId)).toEqual([{ label: "guest", polarity: "positive", source: "explicit" }]);
    // Counted in tracks: those of objects the label was carried to, less the three labelled ones' own.
    const own = new Set(objects.filter((o) => [person.id, positive!.objectId, twin!.objectId].includes(o.id)).map((o) => o.trackId));
    const carried = new Set(objects.filter((o) => o.labels.some((l) => l.label === "guest" && l.polarity === "positive" && l.source === "propagated") && !own.has(o.trackId)).map((o) => o.trackId));
    expect(state.outcome!.text).toContain(`carried to ${carried.size} near-duplicate track`);
  });

  it("removes a label and says so", async () => {
    const store = createSimilarStore(api);
    await store.open(person);
    await store.applyTo("host", { positives: [person.id], negatives: [] });
    expect(store.getSnapshot().labels.get(person.id)).toEqual([{ label: "host", polarity: "positive", source: "explicit" }]);
    calls.length = 0;
    await store.removeLabel(person.id, "host");
    expect(labelCalls()).toEqual([{ method: "DELETE", path: `${encoded(person.id)}/labels/host` }]);
    const state = store.getSnapshot();
    expect(state.outcome).toEqual({ ok: true, text: "Removed “host” from this object." });
    expect(state.labels.get(person.id)).toEqual([]);
    expect(state.revision).toBe(2);
  });

  it("reports labels that could not be set", async () => {
    const store = createSimilarStore(api);
    await store.open(person);
    await store.applyTo("guest", { positives: [`${video.id}#o999.0`], negatives: [] });
    expect(store.getSnapshot().outcome).toEqual({ ok: false, text: `1 label could not be set: No object with id '${video.id}#o999.0'.` });
  });
});

function panel(store: SimilarStore, opened: ObjectHit[] = [], closed: { count: number } = { count: 0 }) {
  rendered = render(
    createElement(SimilarPanel, {
      store,
      resolveUrl: api.resolve,
      hrefOf: (hit) => `?v=${hit.videoId}&t=${hit.timeSec}`,
      onOpen: (hit) => opened.push(hit as ObjectHit),
      onClose: () => closed.count++,
      videoTitle: video.title,
      suggestions: ["waiter"],
    }),
  );
  const container = rendered.container;
  const byLabel = <T extends Element>(label: string) => container.querySelector<T & HTMLElement>(`[aria-label="${label}"]`)!;
  return {
    container,
    tiles: () => Array.from(container.querySelectorAll<HTMLLIElement>("li.similar-tile:not(.skeleton)")),
    tile: (id: string) => container.querySelector<HTMLLIElement>(`li.similar-tile[data-object-id="${id}"]`),
    status: () => container.querySelector('.similar-bar [role="status"]')?.textContent ?? "",
    byLabel,
    labelInput: () => byLabel<HTMLInputElement>("Label"),
    apply: () => container.querySelector<HTMLButtonElement>('.label-form button[type="submit"]')!,
  };
}

describe("similar panel", () => {
  it("shows the clicked object and its results as crops with title, time and score; a result opens in the player", async () => {
    const store = createSimilarStore(api);
    const opened: ObjectHit[] = [];
    const view = panel(store, opened);
    expect(view.container.innerHTML).toBe("");
    act(() => void store.open(person));
    expect(view.container.querySelector('[aria-busy="true"]')).not.toBeNull();
    await act(() => done(store).then(() => undefined));

    expect(view.container.querySelector('section[aria-label="The clicked object"] img')!.getAttribute("src")).toBe(`${server.url}${person.cropUrl}`);
    expect(view.container.textContent).toContain("at 0:06 in party.mp4");
    expect(view.container.textContent).toContain("No labels yet.");
    const hits = store.getSnapshot().hits;
    expect(view.status()).toBe(`${hits.length} similar objects at or above 0.80, best first.`);
    const tiles = view.tiles();
    expect(tiles.map((tile) => tile.dataset.objectId)).toEqual(hits.map((hit) => hit.objectId));
    const first = tiles[0]!;
    expect(first.querySelector("img")!.getAttribute("src")).toBe(`${server.url}${hits[0]!.thumbnailUrl}`);
    // Each tile is a track: when it is in view.
    const range = formatRange(hits[0]!.start, hits[0]!.end);
    expect(first.querySelector(".similar-meta")!.textContent).toBe(` at ${range}, score 1.00`);
    expect(first.querySelector(".similar-video")!.textContent).toBe(", in party.mp4");
    const link = first.querySelector<HTMLAnchorElement>("a.similar-open")!;
    expect(link.getAttribute("href")).toBe(`?v=${video.id}&t=${hits[0]!.timeSec}`);
    // Its name is its text: what a screen reader says is what the tile shows.
    expect(link.getAttribute("aria-label")).toBeNull();
    expect(link.textContent).toBe(`Play person at ${range}, score 1.00, in party.mp4`);
    click(link);
    expect(opened).toEqual([hits[0]]);
  });

  it("searches again from the slider, the mode and the scope controls", async () => {
    const store = createSimilarStore(api, { debounceMs: 50 });
    const view = panel(store);
    await act(() => store.open(person));
    const slider = view.byLabel<HTMLInputElement>("Minimum score");
    expect(slider.value).toBe("0.8");

    typeInto(slider, "0.6");
    expect(view.container.querySelector(".slider output")!.textContent).toBe("0.60");
    await act(() => searched(store).then(() => undefined));
    expect(similarCalls().at(-1)!.body).toEqual({ minScore: 0.6, mode: "focused", limit: 48 });
    expect(view.status()).toMatch(/^\d+ similar objects at or above 0\.60, best first\.$/);

    const expanded = view.container.querySelector<HTMLInputElement>('input[type="radio"][value="expanded"]')!;
    click(expanded);
    await act(() => done(store).then(() => undefined));
    expect(similarCalls().at(-1)!.body).toEqual({ minScore: 0.6, mode: "expanded", limit: 48 });
    expect(expanded.checked).toBe(true);

    const only = Array.from(view.container.querySelectorAll<HTMLLabelElement>("label.check")).find((l) => l.textContent === "This video only")!.querySelector("input")!;
    click(only);
    await act(() => done(store).then(() => undefined));
    expect(similarCalls().at(-1)!.body).toEqual({ minScore: 0.6, mode: "expanded", limit: 48, videoId: video.id });
    expect(view.tiles().length).toBe(store.getSnapshot().hits.length);
  });

  it("shows the closest results under the default threshold when it leaves too few, and how many more lie below", async () => {
    // The close-up person at 9 s: only its 10 s twin reaches 0.80.
    const lone = objects.find((o) => o.timeSec >= 9 && o.box.h > 0.8)!;
    const store = createSimilarStore(api, { debounceMs: 50 });
    const view = panel(store);
    await act(() => store.open(lone));
    // The same search, then one without a threshold for the closest below it.
    expect(similarCalls().map((call) => call.body)).toEqual([
      { minScore: 0.8, mode: "focused", limit: 48 },
      { minScore: -1, mode: "focused", limit: 48 },
    ]);
    const { hits, below } = store.getSnapshot();
    expect(hits.length).toBe(1);
    expect(below.hits.length).toBe(6);
    expect(below.hits.every((hit) => hit.score < 0.8)).toBe(true);
    const top = below.hits[0]!.score.toFixed(2);
    const last = below.hits.at(-1)!.score.toFixed(2);
    expect(view.status()).toBe(`1 similar object at or above 0.80, then the 6 closest, from ${top} down.`);
    expect(view.container.querySelector(".similar-below h3")!.textContent).toBe("Below the minimum score of 0.80");
    expect(Array.from(view.container.querySelectorAll<HTMLLIElement>("li.similar-tile.below")).map((tile) => tile.dataset.objectId)).toEqual(below.hits.map((hit) => hit.objectId));
    expect(view.container.querySelector(".similar-below-more")!.textContent).toContain(`${below.more} more score below ${last}.`);
    // The threshold stays the user's: the slider still says 0.80 until they lower it.
    const slider = view.byLabel<HTMLInputElement>("Minimum score");
    expect(slider.value).toBe("0.8");

    // Down to the last one shown, in the slider's hundredths.
    const floor = thresholdFor(below.hits.at(-1)!.score);
    const lower = Array.from(view.container.querySelectorAll("button")).find((button) => button.textContent === `Lower the minimum score to ${floor.toFixed(2)}`)!;
    calls.length = 0;
    click(lower);
    expect(document.activeElement).toBe(slider);
    await act(() => searched(store).then(() => undefined));
    // A threshold the user chose: one search, nothing shown under it.
    expect(similarCalls().map((call) => call.body)).toEqual([{ minScore: floor, mode: "focused", limit: 48 }]);
    const after = store.getSnapshot();
    expect(after.below.hits).toEqual([]);
    expect(after.hits.map((hit) => hit.objectId)).toEqual(expect.arrayContaining([...hits, ...below.hits].map((hit) => hit.objectId)));
    expect(view.container.querySelector(".similar-below")).toBeNull();
  });

  it("labels a result negative: it leaves the results, the object shows its label, which can be removed", async () => {
    const store = createSimilarStore(api);
    const view = panel(store);
    await act(() => store.open(person));
    const twin = store.getSnapshot().hits[0]!;
    const tile = view.tile(twin.objectId)!;
    const negative = tile.querySelector<HTMLButtonElement>("button.bin.negative")!;
    expect(negative.getAttribute("aria-label")).toBe(`Negative: person in party.mp4 at ${formatRange(twin.start, twin.end)}, score 1.00`);
    click(negative);
    expect(negative.getAttribute("aria-pressed")).toBe("true");
    expect(tile.className).toBe("similar-tile negative");
    expect(view.container.querySelector(".set.positive")!.textContent!.trim()).toBe("0 positive");
    expect(view.container.querySelector(".set.negative")!.textContent!.trim()).toBe("1 negative");

    // Select all, then clear: nothing selected.
    click(view.byLabel("Select all as positive"));
    expect(view.container.querySelectorAll("li.similar-tile.positive").length).toBe(store.getSnapshot().hits.length);
    click(Array.from(view.container.querySelectorAll("button")).find((b) => b.textContent === "Clear")!);
    expect(view.container.querySelectorAll("li.similar-tile.positive, li.similar-tile.negative").length).toBe(0);
    click(negative);

    // Suggestions: the caller's, and the detector's label.
    const options = Array.from(view.container.querySelectorAll("datalist option")).map((o) => o.getAttribute("value"));
    expect(options).toEqual(expect.arrayContaining(["waiter", "person"]));
    expect(view.apply().disabled).toBe(true);
    typeInto(view.labelInput(), "Staff");
    expect(view.apply().disabled).toBe(false);
    calls.length = 0;
    submitFrom(view.labelInput());
    expect(view.apply().textContent).toBe("Labelling…");
    await act(() => until(store, (state) => !state.applying && state.status === "done").then(() => undefined));

    expect(labelCalls()).toEqual([
      { method: "PUT", path: `${encoded(person.id)}/labels`, body: { label: "staff", polarity: "positive", propagate: true } },
      { method: "PUT", path: `${encoded(twin.objectId)}/labels`, body: { label: "staff", polarity: "negative", propagate: false } },
    ]);
    expect(view.container.querySelector('[data-testid="label-outcome"]')!.textContent).toMatch(/^Labelled 1 “staff”(, carried to \d+ near-duplicate tracks?)?; marked 1 as not “staff”\.$/);
    expect(view.tile(twin.objectId)).toBeNull();
    const chips = () => Array.from(view.container.querySelectorAll('ul[aria-label="Labels of this object"] li')).map((li) => li.textContent);
    expect(chips()).toEqual(["staff"]);

    calls.length = 0;
    click(view.byLabel("Remove staff"));
    await act(() => until(store, (state) => !state.applying && state.status === "done").then(() => undefined));
    expect(labelCalls()).toEqual([{ method: "DELETE", path: `${encoded(person.id)}/labels/staff` }]);
    expect(chips()).toEqual([]);
    expect(view.container.textContent).toContain("No labels yet.");
    expect(view.container.querySelector('[data-testid="label-outcome"]')!.textContent).toBe("Removed “staff” from this object.");
  });

  it("closes on Escape and from its close button", async () => {
    const store = createSimilarStore(api);
    const closed = { count: 0 };
    const view = panel(store, [], closed);
    await act(() => store.open(person));
    act(() => {
      view.container.querySelector("aside")!.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    });
    expect(closed.count).toBe(1);
    click(view.byLabel("Close similar objects"));
    expect(closed.count).toBe(2);
    act(() => store.close());
    expect(view.container.innerHTML).toBe("");
  });
});
