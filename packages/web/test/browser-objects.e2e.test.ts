/**
 * Object boxes and similar objects in Chromium against a real `vos serve`: the video of real
 * photographs (a party of people at 0-3 s and again at 6-9 s) is ingested through the CLI; the
 * player at 6 s draws a box per person over the picture (the search's objects highlighted);
 * clicking one lists the same person at 0-3 s first; labelling that result negative makes it
 * leave the results. A keyboard-only walk (search, player, similar, label, back) checks where the
 * focus is at each step. Any console error in the page fails the test. Screenshots land in
 * test-artifacts/web/ (objects-player, objects-similar, objects-labelled, objects-phone).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DetectedObject, SearchHit } from "../src/api/types";
import { launchBrowser, videoSettled, type Browser } from "./support/browser";
import { photoVideoFixture } from "./support/fixtures";
import { ensureWebBuild, ingestWithCli, startServer, type RunningServer } from "./support/server";

let server: RunningServer;
let browser: Browser;
let page: Page;
let videoId: string;
let objects: DetectedObject[];
/** The most confident full-height person of the party's second appearance (6-9 s). */
let person: DetectedObject;


const api = async <T>(path: string, init?: RequestInit): Promise<T> => {
  const response = await fetch(`${server.url}/api${path}`, init);
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
};

beforeAll(async () => {
  const [, file, started] = await Promise.all([ensureWebBuild(), photoVideoFixture(), startServer()]);
  server = started;
  [videoId, browser] = await Promise.all([ingestWithCli(server.url, file), launchBrowser()]);
  page = browser.page;
  ({ objects } = await api<{ objects: DetectedObject[] }>(`/videos/${videoId}/objects`));
  person = objects.filter((o) => o.timeSec >= 6 && o.timeSec < 9 && o.box.h > 0.4).sort((a, b) => b.score - a.score)[0]!;
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const box = (id: string) => page.locator(`button.box[data-id="${id}"]`);
const tiles = () => page.locator("li.similar-tile:not(.skeleton)");
/** Every image of the panel in sight has loaded (the screenshots show the crops). */
const cropsLoaded = () =>
  page.waitForFunction(() => {
    const panel = document.querySelector(".similar-panel");
    if (!panel) return false;
    const view = panel.getBoundingClientRect();
    const seen = Array.from(panel.querySelectorAll("img")).filter((img) => {
      const r = img.getBoundingClientRect();
      return r.bottom > Math.max(0, view.top) && r.top < Math.min(innerHeight, view.bottom);
    });
    return seen.length > 0 && seen.every((img) => img.complete && img.naturalWidth > 0);
  });
/** Moves the threshold slider as a drag does (React hears an input event). */
const setSlider = (value: string) =>
  page.evaluate((v) => {
    const slider = document.querySelector<HTMLInputElement>('input[type="range"][aria-label="Minimum score"]')!;
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")!.set!.call(slider, v);
    slider.dispatchEvent(new Event("input", { bubbles: true }));
  }, value);
/**
 * Waits for the panel's summary after a search, "<n> similar objects at or above <min>, best
 * first.", with more than `above` or exactly `exactly` results.
 */
const summaryAt = (min: string, want: { above?: number; exactly?: number }) =>
  page.waitForFunction(
    ({ min, want }) => {
      const text = document.querySelector('.similar-bar [role="status"]')?.textContent ?? "";
      const found = /^(\d+) similar objects? at or above ([\d.]+), best first\.$/.exec(text);
      if (!found || found[2] !== min) return false;
      const n = Number(found[1]);
      return want.exactly !== undefined ? n === want.exactly : n > (want.above ?? 0);
    },
    { min, want },
  );

describe("object boxes and similar objects in Chromium", () => {
  it("draws a box per detected person of the frame on screen, the search's objects highlighted", async () => {
    expect(person).toBeDefined();
    const onScreen = objects.filter((o) => o.timeSec === 6);
    expect(onScreen.length).toBeGreaterThanOrEqual(4);

    // A search for objects (its three best): the player highlights those on screen.
    const { hits } = await api<{ hits: SearchHit[] }>("/search", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "a yellow dress", kinds: ["object"], limit: 30 }),
    });
    const min = hits[2]!.score;
    const matches = hits.flatMap((hit) => (hit.kind === "object" && hit.score >= min && hit.timeSec === 6 ? [hit.objectId] : []));
    expect(matches.length).toBeGreaterThan(0);
    expect(matches.length).toBeLessThan(onScreen.length);

    await page.goto(`${server.url}/?q=a+yellow+dress&kind=object&min=${min}&v=${videoId}&t=6.5`);
    await page.locator("button.box.match").first().waitFor();
    await videoSettled(page);
    await page.locator("button.box").nth(onScreen.length - 1).waitFor();
    const drawn = await page.locator("button.box").evaluateAll((buttons) => buttons.map((b) => ({ id: b.getAttribute("data-id"), name: b.getAttribute("aria-label"), match: b.classList.contains("match") })));
    expect(drawn.map((b) => b.id).sort()).toEqual(onScreen.map((o) => o.id).sort());
    for (const b of drawn) expect(b.name).toMatch(/^person \d\.\d\d at 0:06$/);
    expect(drawn.find((b) => b.id === person.id)!.name).toBe(`person ${person.score.toFixed(2)} at 0:06`);
    expect(drawn.filter((b) => b.match).map((b) => b.id).sort()).toEqual([...matches].sort());

    // The box sits over the person in the displayed (letterboxed) frame.
    const geometry = await page.evaluate((id) => {
      const video = document.querySelector("video")!;
      const v = video.getBoundingClientRect();
      const scale = Math.min(v.width / video.videoWidth, v.height / video.videoHeight);
      const frame = { left: v.left + (v.width - video.videoWidth * scale) / 2, top: v.top + (v.height - video.videoHeight * scale) / 2, width: video.videoWidth * scale, height: video.videoHeight * scale };
      const b = Array.from(document.querySelectorAll<HTMLElement>("button.box")).find((e) => e.dataset.id === id)!.getBoundingClientRect();
      return { frame, box: { left: b.left, top: b.top, width: b.width, height: b.height } };
    }, person.id);
    expect(geometry.box.left).toBeCloseTo(geometry.frame.left + person.box.x * geometry.frame.width, 0);
    expect(geometry.box.top).toBeCloseTo(geometry.frame.top + person.box.y * geometry.frame.height, 0);
    expect(geometry.box.width).toBeCloseTo(person.box.w * geometry.frame.width, 0);
    expect(geometry.box.height).toBeCloseTo(person.box.h * geometry.frame.height, 0);

    // Boxes are buttons: reachable with Tab.
    await box(person.id).focus();
    await expect(page.evaluate(() => document.activeElement?.getAttribute("data-id"))).resolves.toBe(person.id);

    // For the picture only: Chromium fades its loading spinner out about a second after loading.
    await page.waitForFunction(() => (document.querySelector("video")?.readyState ?? 0) >= 4);
    await page.mouse.move(5, 5);
    await page.waitForTimeout(1200);
    await browser.shot("objects-player");

    // The next frame with objects is 9 s: other boxes.
    await page.evaluate(() => {
      document.querySelector("video")!.currentTime = 9.5;
    });
    await page.waitForFunction(() => {
      const names = Array.from(document.querySelectorAll("button.box")).map((b) => b.getAttribute("aria-label") ?? "");
      return names.length > 0 && names.every((name) => name.endsWith(" at 0:09"));
    });
    const later = await page.locator("button.box").evaluateAll((buttons) => buttons.map((b) => b.getAttribute("aria-label")));
    expect(later.length).toBe(objects.filter((o) => o.timeSec === 9).length);
    for (const name of later) expect(name).toMatch(/ at 0:09$/);
    expect(browser.problems).toEqual([]);
  });

  it("clicks a person for similar objects, labels a result negative and sees it leave", async () => {
    await page.goto(`${server.url}/?v=${videoId}&t=6.5`);
    await videoSettled(page);
    await box(person.id).click();

    const panel = page.getByRole("complementary", { name: "Similar objects" });
    await panel.waitFor();
    await page.locator('ol.similar-grid[data-state="done"]').waitFor({ timeout: 30_000 });
    await expect(box(person.id).getAttribute("aria-pressed")).resolves.toBe("true");
    await expect(panel.getByRole("slider", { name: "Minimum score" }).inputValue()).resolves.toBe("0.8");
    await expect(panel.getByRole("radio", { name: "Focused" }).isChecked()).resolves.toBe(true);

    // The same person, from the party's first appearance, comes first.
    const first = tiles().first();
    const twin = (await first.getAttribute("data-object-id"))!;
    expect(Number(await first.locator("a.similar-open").getAttribute("data-time"))).toBeLessThan(3);
    expect(Number(await first.locator("a.similar-open").getAttribute("data-score"))).toBeGreaterThan(0.99);
    // The range and the score, with the words a screen reader hears between them.
    await expect(first.locator(".similar-meta").textContent()).resolves.toMatch(/^ at 0:0\d(–0:\d\d)?, score 1\.00$/);
    const count = await tiles().count();
    expect(count).toBeGreaterThan(1);
    expect(await tiles().evaluateAll((items) => items.map((li) => li.getAttribute("data-object-id")))).not.toContain(person.id);
    await cropsLoaded();
    await page.waitForFunction(() => (document.querySelector("video")?.readyState ?? 0) >= 4);
    await page.mouse.move(5, 5);
    await page.waitForTimeout(1200);
    await browser.shot("objects-similar");

    // A lower threshold finds more; back to 0.80, the same again.
    await setSlider("0.5");
    await summaryAt("0.50", { above: count });
    await setSlider("0.8");
    await summaryAt("0.80", { exactly: count });
    await expect(tiles().count()).resolves.toBe(count);

    // The twin is not this person after all: negative, labelled "guest" (this object gets "guest").
    await first.getByRole("button", { name: /^Negative: / }).click();
    await expect(first.getAttribute("data-bin")).resolves.toBe("negative");
    await panel.getByRole("combobox", { name: "Label" }).fill("guest");
    await panel.getByRole("button", { name: "Apply" }).click();
    const outcome = panel.getByTestId("label-outcome");
    await outcome.waitFor();
    // Focus stays in the panel (the label field), so Escape still reaches it.
    await expect(page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).resolves.toBe("Label");
    await expect(outcome.textContent()).resolves.toMatch(/^Labelled 1 “guest”(, carried to \d+ near-duplicate tracks?)?; marked 1 as not “guest”\.$/);
    await page.locator(`li.similar-tile[data-object-id="${twin}"]`).waitFor({ state: "detached" });
    await page.locator('ol.similar-grid[data-state="done"]').waitFor();
    await panel.getByRole("list", { name: "Labels of this object" }).getByText("guest", { exact: true }).waitFor();
    // The box now carries the label a person gave it.
    await page.waitForFunction((id) => document.querySelector(`button.box[data-id="${id}"]`)?.getAttribute("aria-label")?.startsWith("guest "), person.id);
    await expect(box(person.id).getAttribute("class")).resolves.toContain("selected");
    const labels = await api<{ objects: DetectedObject[] }>(`/videos/${videoId}/objects?probable=false`);
    expect(labels.objects.find((o) => o.id === twin)!.labels).toEqual([{ label: "guest", polarity: "negative", source: "explicit" }]);
    expect(labels.objects.find((o) => o.id === person.id)!.labels).toEqual([{ label: "guest", polarity: "positive", source: "explicit" }]);
    await cropsLoaded();
    await browser.shot("objects-labelled");

    // A result opens in the player at its moment; the panel stays.
    const next = tiles().first().locator("a.similar-open");
    const at = Number(await next.getAttribute("data-time"));
    await next.click();
    await page.waitForFunction((t) => Number(new URL(location.href).searchParams.get("t")) === t, at);
    await videoSettled(page);
    const time = await page.$eval("video", (video: HTMLVideoElement) => video.currentTime);
    expect(time).toBeGreaterThanOrEqual(at);
    expect(time).toBeLessThan(at + 3);
    await panel.waitFor();

    // Phones: a bottom sheet over the player; Escape closes it and focus goes back to the box.
    await page.setViewportSize({ width: 390, height: 844 });
    await cropsLoaded();
    await page.waitForTimeout(300);
    const sheet = await panel.boundingBox();
    expect(sheet!.y + sheet!.height).toBeCloseTo(844, 0);
    await browser.shot("objects-phone");
    await page.setViewportSize({ width: 1280, height: 820 });
    await panel.getByRole("heading", { name: "Similar objects" }).focus();
    await page.keyboard.press("Escape");
    await panel.waitFor({ state: "detached" });
    await page.getByRole("heading", { name: "Moments" }).waitFor();
    expect(browser.problems).toEqual([]);
  });
});

describe("keyboard only", () => {
  /** What has the focus: its tag, accessible name (aria-label or text) and where it sits. */
  const focused = () =>
    page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return {
        tag: el?.tagName.toLowerCase() ?? "",
        name: (el?.getAttribute("aria-label") ?? el?.textContent ?? "").trim().slice(0, 80),
        className: typeof el?.className === "string" ? el.className : "",
        id: el?.getAttribute("data-id") ?? "",
        inPanel: Boolean(el?.closest(".similar-panel")),
      };
    });
  /** Presses Tab (Shift+Tab `backwards`) until `wanted` has the focus, at most 40 times: a keyboard user's walk. */
  const tabTo = async (wanted: (f: Awaited<ReturnType<typeof focused>>) => boolean, backwards = false) => {
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press(backwards ? "Shift+Tab" : "Tab");
      const now = await focused();
      if (wanted(now)) return now;
    }
    throw new Error(`not reached by Tab: now ${JSON.stringify(await focused())}`);
  };

  it("walks search -> player -> similar -> label -> back with the keyboard alone, the focus where the page changed at each step", async () => {
    await page.goto(`${server.url}/?view=search`);
    await page.getByRole("heading", { name: "Search" }).waitFor();
    // "/" reaches the search box; Enter searches; Tab reaches the best result.
    await page.keyboard.press("/");
    expect(await focused()).toMatchObject({ tag: "input", name: "Search by words" });
    await page.keyboard.type("a person");
    await page.keyboard.press("Enter");
    await page.locator('ol.results[data-state="done"]').waitFor();
    expect((await tabTo((f) => f.tag === "a" && f.className.includes("hit"))).name).toMatch(/^#1/);
    // Enter opens it in the player, whose title takes the focus.
    await page.keyboard.press("Enter");
    await page.locator("button.box").first().waitFor();
    expect(await focused()).toMatchObject({ tag: "h1", className: "player-title", name: "photos-v1-640x480.mp4" });
    // Tab reaches an object's box; Enter opens its similar objects, whose heading takes the focus.
    const box = await tabTo((f) => f.tag === "button" && f.className.includes("box"));
    await page.keyboard.press("Enter");
    await page.locator('ol.similar-grid[data-state="done"]').first().waitFor({ timeout: 30_000 });
    expect(await focused()).toMatchObject({ tag: "h2", name: "Similar objects", inPanel: true });
    // Label it: the field, Apply, and the focus stays in the panel (the field) after Apply.
    await tabTo((f) => f.name === "Label" && f.inPanel);
    await page.keyboard.type("walker");
    await tabTo((f) => f.tag === "button" && f.name === "Apply");
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("label-outcome").textContent()).resolves.toContain("“walker”");
    expect(await focused()).toMatchObject({ tag: "input", name: "Label", inPanel: true });
    // Escape closes the panel and gives the focus back to the box that opened it, now labelled.
    await page.keyboard.press("Escape");
    await page.getByRole("complementary", { name: "Similar objects" }).waitFor({ state: "detached" });
    await page.locator(`button.box[data-id="${box.id}"][aria-label^="walker "]`).waitFor();
    expect(await focused()).toMatchObject({ tag: "button", id: box.id, name: expect.stringMatching(/^walker /) });
    // Shift+Tab back to "Back to results"; Enter returns to the results, whose heading takes the focus.
    await tabTo((f) => f.tag === "button" && f.name.includes("Back to results"), true);
    await page.keyboard.press("Enter");
    await page.locator('ol.results[data-state="done"]').waitFor();
    expect(await focused()).toMatchObject({ tag: "h1", name: "Search" });
  });
});

describe("on a touch screen", () => {
  it("draws every timeline marker 24 px tall, in up to 3 lanes, overlapping only where every lane is taken", async () => {
    const phone = await launchBrowser({ width: 390, height: 844 }, { touch: true });
    try {
      // The player of a search's hit: the timeline marks the search's moments and objects.
      await phone.page.goto(`${server.url}/?view=search&q=${encodeURIComponent("a person")}&v=${videoId}&t=6.5`);
      await phone.page.locator(".marker").first().waitFor();
      expect(await phone.page.evaluate(() => matchMedia("(pointer: coarse)").matches)).toBe(true);
      const markers = await phone.page.locator(".marker").evaluateAll((all) => all.map((m) => m.getBoundingClientRect().toJSON() as DOMRect));
      expect(markers.length).toBeGreaterThan(1);
      for (const marker of markers) expect(Math.round(marker.height)).toBe(24);
      const lanes = [...new Set(markers.map((m) => Math.round(m.top)))];
      expect(lanes.length).toBeGreaterThan(1);
      expect(lanes.length).toBeLessThanOrEqual(3);
      // Two markers cover each other on a lane only where the other lanes are taken too.
      const covered = (top: number, x: number) => markers.some((m) => Math.round(m.top) === top && m.left <= x && x <= m.right);
      for (const [i, a] of markers.entries()) {
        for (const b of markers.slice(i + 1)) {
          if (Math.round(a.top) !== Math.round(b.top) || a.right - 1 <= b.left || b.right - 1 <= a.left) continue;
          const x = Math.max(a.left, b.left) + 1;
          expect(lanes.filter((top) => top !== Math.round(a.top)).every((top) => covered(top, x)), `markers at ${a.left} and ${b.left} share a lane while another is free`).toBe(true);
        }
      }
      await phone.shot("timeline-touch");
    } finally {
      await phone.close();
    }
  });
});
