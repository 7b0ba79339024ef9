/**
 * Chromium (Debian's, driven by playwright-core) for the end-to-end tests: one persistent
 * profile in a temp folder, a page, and everything that went wrong in it (console errors, page
 * errors, failed requests), which a test expects to stay empty.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { REPO_ROOT } from "./fixtures";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
export const ARTIFACTS = path.join(REPO_ROOT, "test-artifacts", "web");

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and failed requests, in order. */
  problems: string[];
  /** Saves a full-page screenshot as test-artifacts/web/<name>.png. */
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** `touch`: a touch screen (Chromium then reports `pointer: coarse`), as on a phone. */
export async function launchBrowser(viewport = { width: 1280, height: 820 }, options: { touch?: boolean } = {}): Promise<Browser> {
  await mkdir(ARTIFACTS, { recursive: true });
  const profile = await mkdtemp(path.join(tmpdir(), "vos-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport,
    deviceScaleFactor: 1,
    ...(options.touch ? { hasTouch: true, isMobile: true } : {}),
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) => {
    // The player cancels range requests it no longer needs when it seeks, and a newer search
    // cancels an older one: not faults.
    if (request.failure()?.errorText !== "net::ERR_ABORTED") problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`);
  });
  return {
    context,
    page,
    problems,
    shot: async (name) => {
      await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Resolves once the page's <video> has a frame at its position (not seeking). */
export function videoSettled(page: Page): Promise<unknown> {
  return page.waitForFunction(() => {
    const video = document.querySelector("video");
    return Boolean(video && video.readyState >= 2 && !video.seeking);
  });
}
