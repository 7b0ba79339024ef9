/**
 * The web app in Chromium (Debian's, driven by playwright-core) against a real `vos serve` that
 * serves the built app: upload the colour video through the page, watch it become ready, search
 * "a red image", open the best moment and check the player is inside it. Any console error in
 * the page fails the test. Screenshots land in test-artifacts/web/.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type Browser } from "./support/browser";
import { testFixtures } from "./support/fixtures";
import { ensureWebBuild, startServer, type RunningServer } from "./support/server";

let server: RunningServer;
let browser: Browser;
let page: Page;
let problems: string[];
let colourVideo: string;
let redImage: string;

beforeAll(async () => {
  const [, fixtures] = await Promise.all([ensureWebBuild(), testFixtures()]);
  ({ colourVideo, redImage } = fixtures);
  server = await startServer();
  browser = await launchBrowser();
  ({ page, problems } = browser);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const shot = (name: string) => browser.shot(name);

/** The player's position and readiness, read from the <video>. */
const playerState = () =>
  page.$eval("video", (video: HTMLVideoElement) => ({ currentTime: video.currentTime, readyState: video.readyState, seeking: video.seeking, paused: video.paused }));

describe("web app in Chromium", () => {
  it("uploads, follows processing, searches and plays the moment; a second open tab sees it ready within 5 s", async () => {
    await page.goto(server.url);
    await page.getByRole("heading", { name: "Library" }).waitFor();
    await page.getByText("No videos yet.").waitFor();
    // Another tab on the library, left alone: nothing moves in it until the upload in the first.
    const other = await browser.context.newPage();
    await other.goto(server.url);
    await other.getByText("No videos yet.").waitFor();

    // Upload through the file input the "choose files" button opens.
    await page.setInputFiles('input[type="file"][accept="video/*"]', colourVideo);
    const upload = page.locator(".upload-row").first();
    await upload.waitFor();
    await page.locator('.upload-row[data-status="done"] [role="progressbar"][aria-valuenow="100"]').waitFor({ timeout: 30_000 });

    const row = page.locator(".video-row").first();
    await row.locator('[data-testid="video-status"]', { hasText: "Ready" }).waitFor({ timeout: 60_000 });
    await other.locator('.video-row [data-testid="video-status"]', { hasText: "Ready" }).waitFor({ timeout: 5_000 });
    await other.close();
    // A screen reader hears it: the page's live region says so.
    await page.locator('[data-testid="announcer"][aria-live="polite"]', { hasText: "is ready" }).waitFor({ timeout: 10_000 });
    await expect(row.textContent()).resolves.toMatch(/\d+ frames indexed/);
    await page.locator(".upload-row").waitFor({ state: "detached", timeout: 10_000 });
    await shot("library");

    // Search by words from the search view.
    await page.getByRole("link", { name: "Search", exact: true }).click();
    const box = page.getByRole("searchbox", { name: "Search by words" });
    await box.fill("a red image");
    await box.press("Enter");
    await page.locator('ol.results[data-state="done"]').waitFor({ timeout: 30_000 });
    const first = page.locator("a.hit").first();
    const start = Number(await first.getAttribute("data-start"));
    const end = Number(await first.getAttribute("data-end"));
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeLessThanOrEqual(5);
    expect(end).toBeGreaterThan(start);
    await expect(first.textContent()).resolves.toContain("0:00–0:05");
    expect(new URL(page.url()).searchParams.get("q")).toBe("a red image");
    await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>("a.hit img")).every((img) => img.complete && img.naturalWidth > 0));
    await shot("results");

    // Only red is a strong match: the rest wait behind a button, which says whether they show.
    await expect(page.locator('.search-summary[role="status"]').textContent()).resolves.toMatch(/^1 strong match for “a red image”, best first; \d+ weaker ones? below\.$/);
    const reveal = page.getByRole("button", { name: /^Show \d+ weaker match(es)?$/ });
    await expect(reveal.getAttribute("aria-expanded")).resolves.toBe("false");
    await expect(page.locator("a.hit").count()).resolves.toBe(1);

    // Keyboard: "/" returns to the box; Enter on the button reveals the weaker matches; arrows
    // move between results, across both groups; Enter opens one.
    await page.locator("body").click({ position: { x: 5, y: 400 } });
    await page.keyboard.press("/");
    await page.waitForFunction(() => document.activeElement?.getAttribute("aria-label") === "Search by words", undefined, { timeout: 5000 });
    await reveal.focus();
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: /^Hide \d+ weaker match(es)?$/, expanded: true }).waitFor();
    await expect(page.locator("a.hit").count()).resolves.toBeGreaterThan(1);
    await first.focus();
    await page.keyboard.press("ArrowRight");
    await expect(page.evaluate(() => document.activeElement?.closest("li")?.querySelector(".hit-rank")?.textContent)).resolves.toBe("#2");
    await page.keyboard.press("ArrowLeft");
    await expect(page.evaluate(() => document.activeElement?.closest("li")?.querySelector(".hit-rank")?.textContent)).resolves.toBe("#1");

    // Open the best moment: the player seeks into it and the address bar can be shared.
    await page.keyboard.press("Enter");
    await page.locator("video").waitFor();
    // The focus follows to the new screen: the player's title, not <body>.
    await page.waitForFunction(() => document.activeElement?.matches("h1.player-title"), undefined, { timeout: 5000 });
    const url = new URL(page.url());
    const { videos } = (await (await fetch(`${server.url}/api/videos`)).json()) as { videos: { id: string }[] };
    expect(url.searchParams.get("v")).toBe(videos[0]!.id);
    const t = Number(url.searchParams.get("t"));
    expect(t).toBeGreaterThanOrEqual(start);
    expect(t).toBeLessThanOrEqual(end);
    await page.waitForFunction(() => {
      const video = document.querySelector("video");
      return Boolean(video && video.readyState >= 2 && !video.seeking);
    });
    const playing = await playerState();
    expect(playing.currentTime).toBeGreaterThanOrEqual(start);
    expect(playing.currentTime).toBeLessThanOrEqual(end);
    await expect(page.locator("button.marker").count()).resolves.toBeGreaterThan(0);
    await expect(page.locator(".moment.active").count()).resolves.toBe(1);
    // For the picture only: Chromium fades its loading spinner out about a second after loading.
    await page.waitForFunction(() => (document.querySelector("video")?.readyState ?? 0) >= 4);
    await page.waitForTimeout(1200);
    await shot("player");

    // The shared link restores the player at the same moment, with the search's markers.
    await page.goto(url.toString());
    await page.waitForFunction(() => {
      const video = document.querySelector("video");
      return Boolean(video && video.readyState >= 2 && !video.seeking);
    });
    const restored = await playerState();
    expect(restored.currentTime).toBeGreaterThanOrEqual(start);
    expect(restored.currentTime).toBeLessThanOrEqual(end);
    await page.locator("button.marker").first().waitFor();

    // Back to the results, then a phone-sized look at them.
    await page.getByRole("button", { name: "Back to results" }).click();
    await page.locator('ol.results[data-state="done"]').waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    await shot("results-phone");
    await page.setViewportSize({ width: 1280, height: 820 });

    expect(problems).toEqual([]);
  });

  it("searches by a picture chosen from disk", async () => {
    await page.getByRole("button", { name: "Search by image" }).waitFor();
    await page.setInputFiles('input[type="file"][accept="image/*"]', redImage);
    await page.locator('ol.results[data-state="done"]').waitFor({ timeout: 30_000 });
    await page.getByText(`Like ${path.basename(redImage)}`).waitFor();
    const first = page.locator("a.hit").first();
    expect(Number(await first.getAttribute("data-start"))).toBeGreaterThanOrEqual(0);
    expect(Number(await first.getAttribute("data-end"))).toBeLessThanOrEqual(5);
    await expect(page.locator('.search-summary[role="status"]').textContent()).resolves.toMatch(/^(\d+ moments?|1 strong match) for the picture, best first(; \d+ weaker ones? below)?\.$/);
    await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>("a.hit img")).every((img) => img.complete && img.naturalWidth > 0));
    await shot("results-image");
    expect(problems).toEqual([]);
  });

  it("refuses a text file named .mp4 and a GIF on the page, in plain words, and uploads nothing", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "vos-not-videos-"));
    try {
      const notes = path.join(dir, "notes.mp4");
      const gif = path.join(dir, "cat.gif");
      await writeFile(notes, "Shopping list: milk, eggs, a red image.\n");
      await writeFile(gif, Buffer.concat([Buffer.from("GIF89a"), Buffer.alloc(64, 1)]));
      await page.goto(server.url);
      // The library as loaded (it holds the video the first test uploaded), before anything is chosen.
      await page.locator(".video-row").first().waitFor();
      const before = await page.locator(".video-row").count();
      const posts: string[] = [];
      const onRequest = (request: { method(): string; url(): string }) => request.method() === "POST" && posts.push(request.url());
      page.on("request", onRequest);
      await page.setInputFiles('input[type="file"][accept="video/*"]', [notes, gif]);
      const notice = page.locator(".notice.refused [role=alert]");
      await notice.waitFor();
      await expect(notice.textContent()).resolves.toMatch(/notes\.mp4 is not a video file: it looks like text\..*cat\.gif is not a video file/);
      await shot("refused");
      page.off("request", onRequest);
      expect(posts).toEqual([]);
      await expect(page.locator(".upload-row").count()).resolves.toBe(0);
      await expect(page.locator(".video-row").count()).resolves.toBe(before);
      await page.getByRole("button", { name: "Dismiss this notice" }).click();
      await notice.waitFor({ state: "detached" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("deletes a video after confirmation", async () => {
    await page.getByRole("link", { name: "Library", exact: true }).click();
    const row = page.locator(".video-row").first();
    await row.waitFor();
    await row.getByRole("button", { name: /^Delete / }).click();
    const dialog = page.getByRole("dialog", { name: "Delete this video?" });
    await dialog.waitFor();
    await shot("delete-confirm");
    // Hovered, the button keeps its white text readable (WCAG AA: 4.5:1).
    const confirm = dialog.getByRole("button", { name: "Delete video" });
    await confirm.hover();
    // Past the buttons' 0.15 s background transition.
    await page.waitForTimeout(300);
    const contrast = await confirm.evaluate((element) => {
      const style = getComputedStyle(element);
      const luminance = (rgb: string) => {
        const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => Number(v) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      };
      const [a, b] = [luminance(style.color), luminance(style.backgroundColor)].sort((x, y) => y - x);
      return (a! + 0.05) / (b! + 0.05);
    });
    expect(contrast).toBeGreaterThanOrEqual(4.5);
    await confirm.click();
    await page.getByText("No videos yet.").waitFor();
    // The deleted row's button is gone: the focus is on the list's heading, not <body>.
    await page.waitForFunction(() => document.activeElement?.id === "videos-title", undefined, { timeout: 5000 });
    const left = (await (await fetch(`${server.url}/api/videos`)).json()) as { videos: unknown[] };
    expect(left.videos).toEqual([]);
    expect(problems).toEqual([]);
  });
});
