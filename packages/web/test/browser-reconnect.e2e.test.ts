/**
 * The server goes away and comes back (`vos serve` stopped, then started again on the same port
 * and data folder) while a search and an upload are under way in Chromium: the page says so once
 * for the whole page, then both finish by themselves, without a click.
 */
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { violationsAtBothSizes } from "./support/axe";
import { launchBrowser, type Browser } from "./support/browser";
import { testFixtures } from "./support/fixtures";
import { ensureWebBuild, startServer, type RunningServer } from "./support/server";

let server: RunningServer | undefined;
let browser: Browser;
let colourVideo: string;
let dataDir: string;

beforeAll(async () => {
  const [, fixtures] = await Promise.all([ensureWebBuild(), testFixtures()]);
  ({ colourVideo } = fixtures);
  server = await startServer({}, { keep: true });
  dataDir = server.dataDir;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("web app when the server goes away", () => {
  it("shows one reconnecting notice, then finishes the search and the upload started meanwhile without a click", async () => {
    const { page } = browser;
    const url = server!.url;
    const port = Number(new URL(url).port);
    await page.goto(url);
    await page.getByText("No videos yet.").waitFor();
    // The empty library passes axe in both themes at both sizes (the accessibility test's server holds a video).
    expect(await violationsAtBothSizes(page, "library-empty", (name) => browser.shot(`a11y-library-empty-${name}`))).toEqual([]);
    const banner = page.getByTestId("connection-banner");
    await expect(banner.isHidden()).resolves.toBe(true);

    await server!.stop();
    server = undefined;
    // An upload chosen while the server is away...
    await page.setInputFiles('input[type="file"][accept="video/*"]', colourVideo);
    await banner.getByText("Reconnecting to the server…").waitFor({ timeout: 15_000 });
    await expect(page.locator('[role="status"]', { hasText: "Reconnecting" }).count()).resolves.toBe(1);
    // Its own tries with backoff run out while the server is still away: it waits for the server.
    await page.locator(".upload-row", { hasText: "The upload goes on by itself when it does." }).waitFor({ timeout: 30_000 });
    // ...and a search made while it is away.
    await page.getByRole("link", { name: "Search", exact: true }).click();
    const box = page.getByRole("searchbox", { name: "Search by words" });
    await box.fill("a red image");
    await box.press("Enter");
    await page.getByText("The search runs again by itself when it does.").waitFor({ timeout: 15_000 });
    await browser.shot("reconnecting");

    server = await startServer({}, { dataDir, keep: true, port });
    await banner.waitFor({ state: "hidden", timeout: 15_000 });
    // The search ran again by itself: an answer, not the error.
    await page.locator('ol.results[data-state="done"], .search-summary[role="status"]').first().waitFor({ timeout: 30_000 });
    await expect(page.getByText("The search runs again by itself when it does.").count()).resolves.toBe(0);
    // The upload went on by itself, and the video was processed.
    await page.getByRole("link", { name: "Library", exact: true }).click();
    await page.locator('.video-row [data-testid="video-status"]', { hasText: "Ready" }).waitFor({ timeout: 60_000 });
    await expect(page.locator(".video-row").count()).resolves.toBe(1);
  }, 180_000);
});
