/**
 * Accessibility as a test: axe-core runs in Chromium on each screen of the web app (the library,
 * a search's results with a label match and the weaker matches shown, an empty search, the player
 * opened from a result and with its object boxes, the similar-objects panel, the delete dialog,
 * the activity page), at a desktop and a phone size, in the light and the dark theme, against a
 * real `vos serve` holding the party video (people found at 0-3 s and 6-9 s). Any serious or
 * critical violation fails, named with its rule and the elements it found. Screenshots land in
 * test-artifacts/web/.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type Browser } from "./support/browser";
import { photoVideoFixture } from "./support/fixtures";
import { ensureWebBuild, ingestWithCli, startServer, type RunningServer } from "./support/server";

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
let source: Promise<string> | undefined;
const axeSource = () => (source ??= readFile(AXE, "utf8"));
const SIZES = [
  { name: "desktop", viewport: { width: 1280, height: 800 } },
  { name: "phone", viewport: { width: 390, height: 844 } },
] as const;
const THEMES = ["light", "dark"] as const;

let server: RunningServer;
let videoId: string;

beforeAll(async () => {
  const [, file, started] = await Promise.all([ensureWebBuild(), photoVideoFixture(), startServer()]);
  server = started;
  videoId = await ingestWithCli(server.url, file);
}, 240_000);
afterAll(async () => server?.stop());

interface Found {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/** Serious and critical violations on the page as it is now. */
async function violations(page: Page): Promise<Found[]> {
  // Through the debugger, as the page's own Content-Security-Policy refuses an injected script tag.
  await page.evaluate(await axeSource());
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: unknown): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
  });
  return found.filter((v) => v.impact === "serious" || v.impact === "critical");
}

const SCREENS: { name: string; open(page: Page): Promise<void> }[] = [
  {
    name: "library",
    open: async (page) => {
      await page.goto(server.url);
      await page.locator('[data-testid="video-status"]', { hasText: "Ready" }).first().waitFor();
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
          for (const theme of THEMES) {
            await browser.page.emulateMedia({ colorScheme: theme });
            await browser.shot(`a11y-${screen.name}-${size.name}-${theme}`);
            for (const v of await violations(browser.page)) failures.push(`${screen.name} (${theme}): ${v.id} (${v.impact}) ${v.help}: ${v.nodes.join(", ")}`);
          }
        }
        expect(failures).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 180_000);
  }
});
