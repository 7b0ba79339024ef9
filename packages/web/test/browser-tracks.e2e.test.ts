/**
 * Tracks in Chromium against a real `vos serve`: the track video (a photographed person panning
 * across grey 0-6 s, a cut, a zoom 6-12 s) is ingested through the CLI; clicking the person's box
 * lights their track on the timeline (0-6 s, not past the cut) and, as the video plays on, the
 * selection moves to the same person's box in the frame on screen, further right. Any console
 * error in the page fails the test. A screenshot lands in test-artifacts/web/ (tracks-player).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, videoSettled, type Browser } from "./support/browser";
import { trackVideoFixture } from "./support/fixtures";
import { ensureWebBuild, ingestWithCli, startServer, type RunningServer } from "./support/server";

interface Track {
  id: string;
  label: string;
  start: number;
  end: number;
  boxes: { timeSec: number; x: number; y: number; w: number; h: number }[];
}

let server: RunningServer;
let browser: Browser;
let page: Page;
let videoId: string;
let pan: Track;


beforeAll(async () => {
  const [, file, started] = await Promise.all([ensureWebBuild(), trackVideoFixture(), startServer()]);
  server = started;
  [videoId, browser] = await Promise.all([ingestWithCli(server.url, file), launchBrowser()]);
  page = browser.page;
  const response = await fetch(`${server.url}/api/videos/${videoId}/tracks`);
  const { tracks } = (await response.json()) as { tracks: Track[] };
  pan = tracks.find((track) => track.label === "person" && track.start < 1)!;
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** The selected box: its object id and where it is on the page. */
const selected = () =>
  page.evaluate(() => {
    const box = document.querySelector<HTMLElement>('button.box[aria-pressed="true"]');
    return box ? { id: box.dataset.id!, left: box.getBoundingClientRect().left } : undefined;
  });

describe("tracks in Chromium", () => {
  it("lights the clicked person's track on the timeline, and the selection follows them as the video plays", async () => {
    expect(pan.boxes.length).toBeGreaterThanOrEqual(4);
    expect(pan.end).toBeLessThanOrEqual(7);
    await page.goto(`${server.url}/?v=${videoId}&t=0.5`);
    await videoSettled(page);
    const first = page.locator("button.box").first();
    await first.waitFor();
    await first.click();
    await page.getByRole("complementary", { name: "Similar objects" }).waitFor();

    // The track on the timeline: from 0 s to the cut at 6 s of a 12 s video.
    const span = page.locator(`.timeline-span[data-track="${pan.id}"]`);
    await span.waitFor();
    const [left, width] = await span.evaluate((element) => [(element as HTMLElement).style.left, (element as HTMLElement).style.width]);
    expect(parseFloat(left!)).toBeLessThan(1);
    expect(Number(/([\d.]+)%/.exec(width!)![1])).toBeCloseTo(((pan.end - pan.start) / 12) * 100, 0);
    await expect(page.locator(".timeline-labels").textContent()).resolves.toContain("person in view 0:00");
    const before = await selected();
    expect(before).toBeDefined();

    // Later in the pan: the same track's box on that frame is the selected one, further right.
    await page.evaluate(() => {
      document.querySelector("video")!.currentTime = 4.5;
    });
    await page.waitForFunction((id) => {
      const box = document.querySelector<HTMLElement>('button.box[aria-pressed="true"]');
      return Boolean(box && box.dataset.id !== id);
    }, before!.id);
    const after = (await selected())!;
    expect(after.id).toMatch(/#o4\.0$/);
    expect(after.left).toBeGreaterThan(before!.left + 100);
    await page.mouse.move(5, 5);
    await browser.shot("tracks-player");

    // Past the cut: another track, nothing of this one is selected.
    await page.evaluate(() => {
      document.querySelector("video")!.currentTime = 8.5;
    });
    await page.waitForFunction(() => !document.querySelector('button.box[aria-pressed="true"]'));
    expect(browser.problems).toEqual([]);
  });
});
