/**
 * Accessibility as a test: axe-core runs in Chromium on each screen of the web app (the library,
 * the library while videos are processed and queued, a search's results with a label match and the weaker matches shown, a picture search's results,
 * an empty search, the player opened from a result and with its object boxes, the similar-objects
 * panel and its labels, the delete dialog, the activity page, the server away with a failed
 * search, an upload under way), at a desktop and a phone size, in the light and the dark theme,
 * against a real `vos serve` holding the party video (people found at 0-3 s and 6-9 s). Any
 * serious or critical violation fails, named with its rule and the elements it found.
 * Screenshots land in test-artifacts/web/. The empty library and sign-in are checked in
 * browser-reconnect and browser-sign-in, whose servers show them.
 */
import type { Page, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIZES, violationsInBothThemes } from "./support/axe";
import { launchBrowser, type Browser } from "./support/browser";
import { photoVideoFixture, testFixtures } from "./support/fixtures";
import { ensureWebBuild, ingestWithCli, startServer, type RunningServer } from "./support/server";

let server: RunningServer;
let videoId: string;
let uploadFile: string;
let picture: string;

beforeAll(async () => {
  const [, file, started, fixtures] = await Promise.all([ensureWebBuild(), photoVideoFixture(), startServer(), testFixtures()]);
  server = started;
  uploadFile = file;
  picture = fixtures.redImage;
  videoId = await ingestWithCli(server.url, file);
}, 240_000);
afterAll(async () => server?.stop());

/**
 * The real list of videos, answered with its first video halfway through a run and a copy of it
 * waiting in the queue (a run on these 2 cores is over before axe could look at it). A request
 * the page dropped meanwhile (it moved on) is let go.
 */
async function processing(route: Route): Promise<void> {
  const response = await route.fetch();
  const body = (await response.json()) as { videos: Record<string, unknown>[] };
  const [video] = body.videos;
  if (!video) return route.fulfill({ response });
  const job = (status: "running" | "queued", at: number) => ({
    id: `held-${status}`, status, attempts: 1, maxAttempts: 3,
    progress: { stage: status === "running" ? "embed" : "probe", stages: { probe: at ? 1 : 0, sample: at ? 1 : 0, embed: at, index: 0 }, frames: { sampled: at ? 12 : 0, embedded: Math.round(12 * at), indexed: 0, objects: 3 } },
    lastError: null, segments: { total: 1, succeeded: 0, running: status === "running" ? 1 : 0, queued: status === "queued" ? 1 : 0, failed: 0 },
    startedAt: status === "running" ? new Date(Date.now() - 8000).toISOString() : null,
    elapsedSec: status === "running" ? 8 : null, etaSec: status === "running" ? 11 : null, queuePlace: status === "queued" ? 1 : null,
  });
  const running = { ...video, status: "processing", frameCount: 0, objectCount: 0, job: job("running", 0.4), model: null };
  const waiting = { ...video, id: `${String(video.id)}-copy`, title: `${String(video.title)} (copy)`, status: "queued", frameCount: 0, objectCount: 0, job: job("queued", 0), model: null };
  return route.fulfill({ response, json: { ...body, videos: [running, waiting, ...body.videos.slice(1)] } });
}

const SCREENS: { name: string; open(page: Page): Promise<void>; close?(page: Page): Promise<void> }[] = [
  {
    name: "library",
    open: async (page) => {
      await page.goto(server.url);
      await page.locator('[data-testid="video-status"]', { hasText: "Ready" }).first().waitFor();
    },
  },
  {
    // The library while videos are processed and queued (see `processing`).
    name: "library-processing",
    open: async (page) => {
      await page.route(/\/api\/videos(\?.*)?$/, (route) => processing(route).catch(() => {}));
      await page.goto(server.url);
      await page.getByRole("progressbar", { name: /^Embed stage of / }).first().waitFor();
      await page.getByText("Next in the queue").waitFor();
    },
    close: async (page) => {
      await page.unroute(/\/api\/videos(\?.*)?$/);
    },
  },
  {
    name: "results",
    open: async (page) => {
      // "person" names the detector's label: those cards say so. The weaker matches are shown too.
      await page.goto(`${server.url}/?view=search&q=${encodeURIComponent("a person at a party")}`);
      await page.locator('ol.results[data-state="done"]').waitFor();
      const more = page.getByRole("button", { name: /^Show \d+ weaker match/ });
      if (await more.count()) await more.click();
    },
  },
  {
    name: "picture-results",
    open: async (page) => {
      await page.goto(`${server.url}/?view=search`);
      await page.setInputFiles('input[type="file"][accept="image/*"]', picture);
      await page.locator('ol.results[data-state="done"]').waitFor({ timeout: 30_000 });
    },
  },
  {
    name: "empty-search",
    open: async (page) => {
      await page.goto(`${server.url}/?view=search&q=${encodeURIComponent("a red image")}&min=0.99`);
      await page.locator('[data-state="empty"]').waitFor();
    },
  },
  {
    name: "player",
    open: async (page) => {
      await page.goto(`${server.url}/?v=${videoId}&t=1`);
      await page.locator("video").waitFor();
    },
  },
  {
    name: "player-boxes",
    open: async (page) => {
      await page.goto(`${server.url}/?v=${videoId}&t=6.5`);
      await page.locator("button.box").first().waitFor();
    },
  },
  {
    name: "similar",
    open: async (page) => {
      await page.locator("button.box").first().click();
      await page.getByRole("complementary", { name: "Similar objects" }).waitFor();
      await page.locator('ol.similar-grid[data-state="done"]').waitFor({ timeout: 30_000 });
    },
  },
  {
    name: "labels",
    open: async (page) => {
      // The similar panel is open: label the object, and its labels show in the panel.
      const panel = page.getByRole("complementary", { name: "Similar objects" });
      await panel.getByRole("combobox", { name: "Label" }).fill("guest");
      await panel.getByRole("button", { name: "Apply" }).click();
      await panel.getByTestId("label-outcome").waitFor();
      await panel.getByRole("list", { name: "Labels of this object" }).getByText("guest", { exact: true }).waitFor();
    },
  },
  {
    name: "delete-dialog",
    open: async (page) => {
      await page.goto(server.url);
      await page.getByRole("button", { name: /^Delete / }).first().click();
      await page.getByRole("dialog", { name: "Delete this video?" }).waitFor();
    },
  },
  {
    name: "activity",
    open: async (page) => {
      await page.goto(`${server.url}/?view=activity`);
      await page.getByRole("heading", { name: "Activity" }).waitFor();
    },
  },
  {
    // The server away (its requests refused): the reconnecting notice and a search that failed.
    name: "server-away",
    open: async (page) => {
      await page.goto(`${server.url}/?view=search`);
      await page.route(/\/api\/(search|health)/, (route) => route.abort("connectionrefused"));
      const box = page.getByRole("searchbox", { name: "Search by words" });
      await box.fill("a person");
      await box.press("Enter");
      await page.getByTestId("connection-banner").getByText("Reconnecting to the server…").waitFor();
      await page.getByText("The search runs again by itself when it does.").waitFor();
    },
    close: async (page) => {
      await page.unroute(/\/api\/(search|health)/);
      await page.getByTestId("connection-banner").waitFor({ state: "hidden", timeout: 15_000 });
    },
  },
  {
    // An upload under way: its bytes held back until it is cancelled.
    name: "uploading",
    open: async (page) => {
      await page.goto(server.url);
      await page.route(/\/api\/videos\/[^/]+\/upload$/, (route) => (route.request().method() === "PUT" ? undefined : route.continue()));
      await page.setInputFiles('input[type="file"][accept="video/*"]', uploadFile);
      await page.locator('.upload-row[data-status="uploading"]').waitFor();
    },
    close: async (page) => {
      await page.getByRole("button", { name: /^Cancel the upload of / }).click();
      await page.locator(".upload-row").waitFor({ state: "detached", timeout: 15_000 });
      await page.unroute(/\/api\/videos\/[^/]+\/upload$/);
    },
  },
];

describe("accessibility (axe-core, serious and critical rules)", () => {
  for (const size of SIZES) {
    it(`${size.name}: every screen passes in the light and the dark theme`, async () => {
      const browser: Browser = await launchBrowser(size.viewport);
      try {
        const failures: string[] = [];
        for (const screen of SCREENS) {
          await screen.open(browser.page);
          // One page load, both themes: the colour scheme switches in place.
          failures.push(...(await violationsInBothThemes(browser.page, screen.name, (theme) => browser.shot(`a11y-${screen.name}-${size.name}-${theme}`))));
          await screen.close?.(browser.page);
        }
        expect(failures).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 180_000);
  }
});
