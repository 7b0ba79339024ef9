/**
 * The Activity (fleet) page in Chromium against a real `vos serve`: a video whose only job gave
 * up (one attempt allowed, the vector store away for it) waits in the dead letters with its
 * reason; Redrive sends it back, and without any reload the page shows the dead letter gone and
 * the job done, while the video becomes ready. The failure is made by the embedded runtime itself
 * on the same data folder before the server starts.
 */
import { createReadStream } from "node:fs";
import { mkdtemp, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../core/src/config";
import { startEmbeddedRuntime } from "../../core/src/runtime/embedded/embedded";
import * as Video from "../../core/src/video/index";
import { onUpsert } from "../../core/test/support/upsert-hook";
import { waitFor } from "../../core/test/support/wait-for";
import { createApiClient } from "../src/api/client";
import { launchBrowser, type Browser } from "./support/browser";
import { testFixtures } from "./support/fixtures";
import { ensureWebBuild, startServer, type RunningServer } from "./support/server";

let server: RunningServer;
let browser: Browser;
let page: Page;
let videoId: string;

/** Ingests the colour video with one attempt per job while every upsert fails: the job gives up. */
async function videoThatGaveUp(dataDir: string, modelDir: string, file: string): Promise<string> {
  const config = loadConfig({ VOS_DATA_DIR: dataDir, VOS_CLIP_MODEL: modelDir, VOS_DETECTOR: "off", VOS_MAX_ATTEMPTS: "1", VOS_LOG_LEVEL: "silent" });
  const rt = await startEmbeddedRuntime(config, { workers: true });
  try {
    onUpsert(rt.services, async () => {
      throw new Error("the vector store is away");
    });
    const video = await Video.create(rt.services, "local", { filename: "colours.mp4", sizeBytes: (await stat(file)).size, contentType: "video/mp4" });
    await Video.upload(rt.services, "local", video.id, createReadStream(file), { contentType: "video/mp4" });
    await Video.complete(rt.services, "local", video.id);
    const failed = await waitFor(
      () => Video.get(rt.services, "local", video.id),
      (view) => view.status === "failed",
      120_000,
    );
    expect(failed).toMatchObject({ status: "failed", job: { status: "failed" } });
    return video.id;
  } finally {
    await rt.close();
  }
}

beforeAll(async () => {
  const [, fixtures] = await Promise.all([ensureWebBuild(), testFixtures()]);
  const dataDir = await mkdtemp(path.join(tmpdir(), "vos-web-activity-"));
  videoId = await videoThatGaveUp(dataDir, fixtures.modelDir, fixtures.colourVideo);
  [server, browser] = await Promise.all([startServer({}, { dataDir }), launchBrowser()]);
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** The value shown under a stat's name. */
const statValue = (name: string) => page.locator(".stat", { has: page.getByText(name, { exact: true }) }).locator("dd");

describe("the Activity page in Chromium", () => {
  it("lists a job that gave up with its reason, redrives it, and follows it to done without a reload", async () => {
    await page.goto(`${server.url}/`);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Activity" }).click();
    await page.getByRole("heading", { name: "Activity", level: 1 }).waitFor();
    expect(new URL(page.url()).searchParams.get("view")).toBe("activity");
    expect(await page.title()).toMatch(/^Activity/);

    const dead = page.getByRole("region", { name: /Dead letters/ });
    await dead.getByText("the vector store is away").waitFor();
    expect(await dead.getByRole("heading").textContent()).toBe("Dead letters (1)");
    expect(await statValue("Failed, last day").textContent()).toBe("1");
    expect(await statValue("Done, last hour").textContent()).toBe("0");
    await browser.shot("activity-dead-letter");

    const navigations: string[] = [];
    page.on("framenavigated", (frame) => navigations.push(frame.url()));
    await dead.getByRole("button", { name: /^Redrive colours/ }).click();
    await page.getByRole("status").getByText(/Sent back to the queue: colours/).waitFor();
    // Live updates: the job runs and finishes, and the page follows on its own.
    await dead.getByText("No job gave up.").waitFor({ timeout: 60_000 });
    await statValue("Done, last hour").filter({ hasText: /^1$/ }).waitFor({ timeout: 60_000 });
    expect(navigations).toEqual([]);
    const api = createApiClient({ baseUrl: `${server.url}/api` });
    expect(await api.getVideo(videoId)).toMatchObject({ status: "ready", error: null, job: { status: "succeeded", attempts: 1 } });
    await browser.shot("activity-redriven");
    expect(browser.problems).toEqual([]);
  }, 180_000);
});
