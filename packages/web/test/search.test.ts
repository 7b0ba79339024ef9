// @vitest-environment happy-dom
/**
 * The search state and page against a real `vos serve` holding the colour video (red 0-5 s,
 * green 5-10 s, blue 10-15 s): loading, results best first (weaker matches folded), empty, error,
 * newest search wins.
 */
import { readFile } from "node:fs/promises";
import { createElement } from "react";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApiClient, type ApiClient } from "../src/api/client";
import type { SearchFilters, SearchHit, VideoView } from "../src/api/types";
import { SearchPage } from "../src/components/SearchPage";
import { groupByRelevance } from "../src/search/relevance";
import { createSearchStore, type SearchState, type SearchStore } from "../src/search/store";
import { testFixtures } from "./support/fixtures";
import { act, click, render, submitFrom, typeInto, until, type Rendered } from "./support/react";
import { startServer, type RunningServer } from "./support/server";

let server: RunningServer;
let api: ApiClient;
let video: VideoView;
let rendered: Rendered | undefined;

/** Uploads a file through the API in one PUT and waits until it is searchable. */
async function ingest(path: string, filename: string): Promise<VideoView> {
  const bytes = new Uint8Array(await readFile(path));
  const created = await api.createVideo({ filename, sizeBytes: bytes.length, contentType: "video/mp4" });
  if (created.upload.kind !== "put") throw new Error("the local server should hand out a PUT target");
  const put = await fetch(api.resolve(created.upload.url), { method: "PUT", headers: created.upload.headers, body: bytes });
  expect(put.status).toBe(200);
  await api.completeUpload(created.video.id);
  for (let i = 0; i < 600; i++) {
    const current = await api.getVideo(created.video.id);
    if (current.status === "ready") return current;
    if (current.status === "failed") throw new Error(`processing failed: ${current.error?.message}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the video did not become ready");
}

beforeAll(async () => {
  const [started, fixtures] = await Promise.all([startServer(), testFixtures()]);
  server = started;
  (globalThis as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(`${server.url}/`);
  api = createApiClient({ baseUrl: `${server.url}/api` });
  video = await ingest(fixtures.colourVideo, "colours.mp4");
});

afterAll(async () => {
  await server?.stop();
});

afterEach(() => {
  rendered?.unmount();
  rendered = undefined;
});

function page(store: SearchStore, filters: SearchFilters = {}) {
  rendered = render(
    createElement(SearchPage, {
      store,
      videos: [video],
      filters,
      onRoute: () => {},
      resolveUrl: api.resolve,
      hrefOf: (hit: SearchHit) => `?v=${hit.videoId}&t=${hit.timeSec}`,
      onOpen: () => {},
    }),
  );
  const container = rendered.container;
  return {
    container,
    input: container.querySelector<HTMLInputElement>('input[aria-label="Search by words"]')!,
    state: () => container.querySelector("[data-state]")?.getAttribute("data-state"),
    status: () => container.querySelector('[role="status"]')?.textContent ?? "",
    cards: () => Array.from(container.querySelectorAll<HTMLAnchorElement>("a.hit")),
  };
}

const settled = (store: SearchStore) => act(() => until(store, (state) => state.status === "done" || state.status === "error").then(() => undefined));

describe("search store", () => {
  it("goes idle -> loading -> done, keeping the API's ranking", async () => {
    const store = createSearchStore(api);
    const seen: SearchState["status"][] = [store.getSnapshot().status];
    store.subscribe(() => seen.push(store.getSnapshot().status));
    await store.search({ kind: "text", text: "a red image" });
    const state = store.getSnapshot();
    expect(seen).toEqual(["idle", "loading", "done"]);
    if (state.status !== "done") throw new Error(state.status);
    const direct = await api.searchText("a red image", { limit: 30 });
    expect(state.hits).toEqual(direct.hits);
    expect(state.mismatch).toBeNull();
    expect(state.hits[0]).toMatchObject({ videoId: video.id, videoTitle: "colours.mp4" });
    expect(state.hits[0]!.start).toBeGreaterThanOrEqual(0);
    expect(state.hits[0]!.end).toBeLessThanOrEqual(5);
  });

  it("lets the newest search win when an older one is still in flight", async () => {
    const store = createSearchStore(api);
    const first = store.search({ kind: "text", text: "a red image" });
    const second = store.search({ kind: "text", text: "a blue image" });
    await Promise.all([first, second]);
    const state = store.getSnapshot();
    if (state.status !== "done") throw new Error(state.status);
    expect(state.query).toEqual({ kind: "text", text: "a blue image" });
    expect(state.hits[0]!.start).toBeGreaterThanOrEqual(10);
    expect(state.hits[0]!.end).toBeLessThanOrEqual(15);
  });

  it("reports the API's message when the search is refused", async () => {
    const store = createSearchStore(api);
    await store.search({ kind: "text", text: "x".repeat(1001) });
    const state = store.getSnapshot();
    expect(state).toMatchObject({ status: "error" });
    expect(state.status === "error" && state.error).toMatch(/^Invalid json: text: /);
  });
});

describe("search page", () => {
  it("shows a loading state, then the moments best first", async () => {
    const store = createSearchStore(api);
    const view = page(store);
    expect(view.state()).toBe("idle");
    typeInto(view.input, "a red image");
    submitFrom(view.input);

    expect(view.state()).toBe("loading");
    expect(view.container.querySelector('[aria-busy="true"]')).not.toBeNull();
    expect(view.status()).toBe("Searching for “a red image”…");
    await settled(store);

    expect(view.state()).toBe("done");
    const { hits: expected } = await api.searchText("a red image", { limit: 30 });
    // Red (0-5 s) is the one strong match in the test model; the rest wait until asked for.
    const { strong, weaker } = groupByRelevance(expected);
    expect([strong.length, weaker.length > 1]).toEqual([1, true]);
    expect(view.cards().map((card) => Number(card.dataset.score))).toEqual(strong.map((hit) => hit.score));
    const reveal = view.container.querySelector<HTMLButtonElement>("button[aria-expanded]")!;
    expect([reveal.textContent, reveal.getAttribute("aria-expanded")]).toEqual([`Show ${weaker.length} weaker matches`, "false"]);
    click(reveal);
    expect(reveal.getAttribute("aria-expanded")).toBe("true");
    const cards = view.cards();
    expect(cards.map((card) => Number(card.dataset.score))).toEqual(expected.map((hit) => hit.score));
    expect(cards.at(-1)!.textContent).toContain(`#${expected.length}`);
    expect(cards[0]!.textContent).toContain("#1");
    expect(cards[0]!.textContent).toContain("colours.mp4");
    expect(cards[0]!.textContent).toContain("0:00–0:05");
    expect(cards[0]!.getAttribute("href")).toBe(`?v=${video.id}&t=${expected[0]!.timeSec}`);
    expect(cards[0]!.querySelector("img")!.getAttribute("src")).toBe(`${server.url}${expected[0]!.thumbnailUrl}`);
    expect(view.status()).toBe(`1 strong match for “a red image”, best first; ${weaker.length} weaker ones below.`);
  });

  it("says so when nothing matches the filters", async () => {
    const store = createSearchStore(api);
    const view = page(store, { videoId: "vid_does_not_exist" });
    typeInto(view.input, "a red image");
    submitFrom(view.input);
    await settled(store);

    expect(view.state()).toBe("empty");
    expect(view.cards()).toHaveLength(0);
    expect(view.container.textContent).toContain("No moments match “a red image”.");
    expect(view.container.textContent).toContain("Try other filters, a lower minimum score, or other words.");
  });

  it("asks only for what the Show filter names", async () => {
    const bodies: unknown[] = [];
    const recording = createApiClient({
      baseUrl: `${server.url}/api`,
      fetch: (input, init) => {
        if (typeof init?.body === "string") bodies.push(JSON.parse(init.body));
        return fetch(input, init);
      },
    });
    const store = createSearchStore(recording);
    const view = page(store, { kinds: ["frame"] });
    expect(view.container.querySelector<HTMLSelectElement>('select[aria-label="Show moments, objects or both"]')!.value).toBe("frame");
    typeInto(view.input, "a green image");
    submitFrom(view.input);
    await settled(store);

    expect(bodies).toEqual([{ text: "a green image", kinds: ["frame"], limit: 30 }]);
    expect(view.cards().length).toBeGreaterThan(0);
    expect(view.cards().every((card) => card.dataset.kind === "frame")).toBe(true);
    // Green is 5-10 s of the colour video.
    expect(Number(view.cards()[0]!.dataset.start)).toBeGreaterThanOrEqual(5);
    expect(Number(view.cards()[0]!.dataset.end)).toBeLessThanOrEqual(10);
  });

  it("shows the API's message when a search fails, and tries again on request", async () => {
    const store = createSearchStore(api);
    const view = page(store);
    // A picture that is not one: the API refuses it with { code, message }.
    const picker = view.container.querySelector<HTMLInputElement>('input[type="file"][accept="image/*"]')!;
    const broken = new File(["not a picture"], "broken.png", { type: "image/png" });
    Object.defineProperty(picker, "files", { configurable: true, value: [broken] });
    act(() => picker.dispatchEvent(new Event("change", { bubbles: true })));
    expect(view.state()).toBe("loading");
    await settled(store);

    expect(view.state()).toBe("error");
    const alert = view.container.querySelector('[role="alert"]')!;
    expect(alert.textContent).toMatch(/The search failed\. The file is not an image that can be read/);
    expect(view.container.textContent).toContain("Like broken.png");

    click(Array.from(view.container.querySelectorAll("button")).find((button) => button.textContent?.includes("Try again"))!);
    expect(view.state()).toBe("loading");
    await settled(store);
    expect(view.state()).toBe("error");
  });
});
