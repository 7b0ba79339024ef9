/**
 * Picture search with pictures of any size, in Chromium against a real `vos serve` holding the
 * colour video (red 0-5 s). Pictures are dropped on the search bar; every request the page sends
 * to /api/search/image is captured and its multipart body read back:
 * - a 12-megapixel phone photo (4000x3000 stored, EXIF orientation 6 = shown upright, over the
 *   4.4 MB the gateway path can carry) leaves as a JPEG of 768x1024, upright, a few hundred KB;
 * - a TIFF (Chromium cannot decode it) leaves as it is, and the server, which can, answers;
 * - a file that is no picture at all leaves as it is, and the page shows the API's own answer;
 * - the search is kept in the address bar (the id the server keeps the picture under): a reload
 *   and the same link in another tab search again without sending the picture.
 */
import type { Page, Request } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../../core/scripts/seeded-random";
import { createApiClient } from "../src/api/client";
import { launchBrowser, type Browser } from "./support/browser";
import { testFixtures } from "./support/fixtures";
import { ingestThroughApi } from "./support/ingest";
import { ensureWebBuild, startServer, type RunningServer } from "./support/server";

/** What one picture search over API Gateway and Lambda can carry (see the API's LAMBDA_MAX_IMAGE_BYTES). */
const GATEWAY_PATH_BYTES = 4.4 * 1024 * 1024;

let server: RunningServer;
let browser: Browser;
let page: Page;
const pictures = new Map<string, { bytes: Buffer; type: string }>();

/**
 * A 4000x3000 JPEG as a phone stores a portrait photo: pixels on their side plus EXIF orientation
 * 6 (turn 90° clockwise to show). Noisy red, so it stays large (5.6 MB) and matches the red
 * moment; a thin band at the stored left edge is blue, which shows at the top once upright.
 */
async function phonePhoto(): Promise<Buffer> {
  const width = 4000;
  const height = 3000;
  const random = mulberry32(12);
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const noise = () => Math.floor(random() * 60) - 30;
      const [r, g, b] = x < 120 ? [30, 40, 220] : [220, 30, 30];
      pixels[i] = r + noise();
      pixels[i + 1] = g + noise();
      pixels[i + 2] = b + noise();
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 92 }).withMetadata({ orientation: 6 }).toBuffer();
}

beforeAll(async () => {
  const [, fixtures, started, photo, tiff] = await Promise.all([
    ensureWebBuild(),
    testFixtures(),
    startServer(),
    phonePhoto(),
    sharp({ create: { width: 900, height: 600, channels: 3, background: { r: 220, g: 20, b: 20 } } }).tiff().toBuffer(),
  ]);
  server = started;
  pictures.set("photo.jpg", { bytes: photo, type: "image/jpeg" });
  pictures.set("scan.tiff", { bytes: tiff, type: "image/tiff" });
  pictures.set("notes.png", { bytes: Buffer.from("these are notes, not a picture"), type: "image/png" });
  [, browser] = await Promise.all([ingestThroughApi(createApiClient({ baseUrl: `${server.url}/api` }), fixtures.colourVideo, "colours.mp4"), launchBrowser()]);
  page = browser.page;
  // The page fetches the test pictures from here, to build the files it drops.
  await page.route("**/test-pictures/*", (route) => {
    const picture = pictures.get(new URL(route.request().url()).pathname.split("/").pop()!)!;
    return route.fulfill({ status: 200, body: picture.bytes, contentType: picture.type });
  });
  await page.goto(`${server.url}/?view=search`);
  await page.getByRole("searchbox", { name: "Search by words" }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Drops the named test picture on the search bar, as a file dragged from the desktop. */
async function drop(name: string): Promise<Request> {
  const sent = page.waitForRequest((request) => request.method() === "POST" && new URL(request.url()).pathname === "/api/search/image");
  await page.evaluate(
    async ({ url, name, type }) => {
      const file = new File([await (await fetch(url)).blob()], name, { type });
      const data = new DataTransfer();
      data.items.add(file);
      const bar = document.querySelector('form[role="search"]')!;
      for (const kind of ["dragover", "drop"]) bar.dispatchEvent(new DragEvent(kind, { dataTransfer: data, bubbles: true, cancelable: true }));
    },
    { url: `${server.url}/test-pictures/${name}`, name, type: pictures.get(name)!.type },
  );
  return sent;
}

/** The picture inside a captured search request, and the request's whole body size. */
async function sentPicture(request: Request): Promise<{ file: File; bodyBytes: number }> {
  const body = request.postDataBuffer();
  if (!body) throw new Error("the search request carried no body");
  const form = await new Response(new Uint8Array(body), { headers: { "content-type": request.headers()["content-type"]! } }).formData();
  const file = form.get("image");
  if (!(file instanceof File)) throw new Error("the search request carried no 'image' field");
  return { file, bodyBytes: body.length };
}

/** Mean red, green and blue of a region (stats() reads its input whole, hence the cut first). */
const mean = async (jpeg: Buffer, region: { left: number; top: number; width: number; height: number }) =>
  (await sharp(await sharp(jpeg).extract(region).png().toBuffer()).stats()).channels.map((channel) => channel.mean);

describe("picture search in Chromium, pictures of any size", () => {
  it("shrinks a 12-megapixel photo to an upright 1024 px JPEG before sending it, and shows results", async () => {
    const original = pictures.get("photo.jpg")!.bytes;
    expect(original.length).toBeGreaterThan(GATEWAY_PATH_BYTES);
    expect(await sharp(original).metadata()).toMatchObject({ width: 4000, height: 3000, orientation: 6 });

    const { file, bodyBytes } = await sentPicture(await drop("photo.jpg"));
    expect(file).toMatchObject({ name: "photo.jpg", type: "image/jpeg" });
    expect(bodyBytes).toBeLessThan(600 * 1024);
    const jpeg = Buffer.from(await file.arrayBuffer());
    const shape = await sharp(jpeg).metadata();
    expect(shape).toMatchObject({ format: "jpeg", width: 768, height: 1024 });
    expect(shape.orientation ?? 1).toBe(1);
    // Turned upright: the stored left edge (blue) is now the top, the rest red.
    const [topR, , topB] = await mean(jpeg, { left: 0, top: 0, width: 768, height: 24 });
    const [lowR, , lowB] = await mean(jpeg, { left: 0, top: 100, width: 768, height: 900 });
    expect(topB! - topR!).toBeGreaterThan(100);
    expect(lowR! - lowB!).toBeGreaterThan(100);

    await page.locator('ol.results[data-state="done"]').waitFor({ timeout: 30_000 });
    await page.getByText("Like photo.jpg").waitFor();
    const first = page.locator("a.hit").first();
    expect(Number(await first.getAttribute("data-end"))).toBeLessThanOrEqual(5);
    await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>("a.hit img")).every((img) => img.complete && img.naturalWidth > 0));
    await browser.shot("picture-search-photo");
    expect(browser.problems).toEqual([]);
  });

  it("keeps the picture search in the address bar: a reload and a shared link run it again, without the picture", async () => {
    const id = new URL(page.url()).searchParams.get("image");
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const hits = () => page.locator("a.hit").evaluateAll((links) => links.map((link) => `${link.getAttribute("href")} ${link.getAttribute("data-end")}`));
    const before = await hits();
    // Reloaded, the page has no picture of its own: it searches with the one the server kept, and shows it.
    const sent = page.waitForRequest((request) => request.method() === "POST" && new URL(request.url()).pathname === `/api/search/image/${id}`);
    await page.reload();
    await sent;
    await page.locator('ol.results[data-state="done"]').waitFor({ timeout: 30_000 });
    await page.getByText("Like the picture in this link").waitFor();
    expect(await hits()).toEqual(before);
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>(".image-chip img");
      return img !== null && img.complete && img.naturalWidth > 0;
    });
    await browser.shot("picture-search-reloaded");
    // Clearing the picture takes it out of the address bar too.
    await page.getByRole("button", { name: "Clear the picture" }).click();
    await page.waitForFunction(() => !new URL(location.href).searchParams.has("image"));
    await expect(page.locator("ol.results").count()).resolves.toBe(0);
    // The same link in another tab.
    const tab = await page.context().newPage();
    try {
      await tab.goto(`${server.url}/?image=${id}`);
      await tab.locator('ol.results[data-state="done"]').waitFor({ timeout: 30_000 });
      await tab.getByText("Like the picture in this link").waitFor();
      // A link to a picture that is not kept says so.
      await tab.goto(`${server.url}/?view=search&image=${"0".repeat(64)}`);
      await expect(tab.getByRole("alert").textContent()).resolves.toMatch(/No picture with this id is kept: pictures searched for are kept 7 days/);
    } finally {
      await tab.close();
    }
    expect(browser.problems.filter((problem) => !/status of 404/.test(problem))).toEqual([]);
    browser.problems.length = 0;
  });

  it("sends a picture this browser cannot decode as it is, and the server reads it", async () => {
    const original = pictures.get("scan.tiff")!.bytes;
    const { file } = await sentPicture(await drop("scan.tiff"));
    expect(file).toMatchObject({ name: "scan.tiff", type: "image/tiff", size: original.length });
    expect(Buffer.from(await file.arrayBuffer()).equals(original)).toBe(true);
    await page.getByText("Like scan.tiff").waitFor();
    await page.locator('ol.results[data-state="done"]').waitFor({ timeout: 30_000 });
    expect(Number(await page.locator("a.hit").first().getAttribute("data-end"))).toBeLessThanOrEqual(5);
    expect(browser.problems).toEqual([]);
  });

  it("shows the API's answer for a file that is no picture", async () => {
    const { file } = await sentPicture(await drop("notes.png"));
    expect(await file.text()).toBe("these are notes, not a picture");
    const alert = page.getByRole("alert");
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toMatch(/^The search failed\. The file is not an image that can be read \(.+\)\./);
    await browser.shot("picture-search-not-a-picture");
    // Chromium logs every 4xx answer as a console error: that one was expected.
    expect(browser.problems.filter((problem) => !/status of 415/.test(problem))).toEqual([]);
  });
});
