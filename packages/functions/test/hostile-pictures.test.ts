/**
 * The hostile-input catalogue, pictures: picture search refuses a picture that would be costly to
 * decode from its header, before a pixel is decoded, in under a second, without the process's
 * memory (RSS, sampled every 2 ms while the request runs) growing by 50 MB, and without leaving
 * anything in the data folder (a listing of its files and sizes is unchanged). A real photo at
 * phone size is still searched.
 *
 *   input (POST /api/search/image)                          -> status  code
 *   a 123-byte SVG of 16000 x 16000                         -> 415     image.unsupported_type
 *   a 16000 x 16000 PNG (0.7 MB, compressed)                -> 413     image.too_many_pixels
 *   two SVGs and a PNG as above, in parallel                -> 415, 415, 413, memory still bounded
 *   a 12 MP JPEG photo (4000 x 3000)                        -> 200     hits, its own frame first
 *
 * Elsewhere: the header check, the decode size, EXIF orientation, the first GIF frame, the second
 * pixel guard inside sharp and the two-decodes-at-once bound are in core's picture-limits.test.ts;
 * a picture over the byte limit (413 image.too_large) is in image-limit.test.ts; a missing, empty
 * or unreadable picture is in bad-input-catalogue.test.ts.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { Frame, loadConfig, Search, Video } from "@vos/core";
import { decodeImage } from "@vos/core/embedder";
import { startEmbeddedRuntime, type EmbeddedRuntime } from "@vos/core/runtime/embedded";
import { vectorId } from "@vos/core/vector";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testModelDir } from "../../core/test/support/test-model.js";
import { ACCEPTED_PICTURES, MAX_PICTURE_PIXELS } from "../../core/src/embedder/picture-limits.js";
import { createApi } from "../src/api/app.js";

const require = createRequire(import.meta.url);
/** A real photograph shipped in npm (a party, 1280 x 1158); its exports map hides package.json. */
const PHOTO = path.join(path.dirname(require.resolve("@vladmandic/human")), "..", "assets", "samples.jpg");
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="16000" height="16000"><rect width="100%" height="100%" fill="green"/></svg>\n');
const MB = 1024 * 1024;
const TENANT = "local";

let dir: string;
let runtime: EmbeddedRuntime;
let app: ReturnType<typeof createApi>;
let png16k: Buffer;
let photo12: Buffer;
let photoFrame: { videoId: string; frameNo: number };

/** Every file under the data folder with its size: what a request could have written. */
async function listing(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
  return (await Promise.all(files.map(async (file) => `${path.relative(folder, file)} ${(await stat(file)).size}`))).sort();
}

const search = (picture: Uint8Array, name: string, type: string) => {
  const form = new FormData();
  form.set("image", new Blob([new Uint8Array(picture)], { type }), name);
  return app.request("/api/search/image", { method: "POST", body: form });
};

interface Measured {
  answers: { status: number; body: { code?: string; message?: string; hits?: { videoId: string; frameNo: number }[] } }[];
  ms: number;
  /** Highest RSS seen while the requests ran, over RSS just before them. */
  rssGrowth: number;
}

/** Sends the requests at once, timing them and sampling this process's RSS until all have answered. */
async function measure(requests: (() => Response | Promise<Response>)[]): Promise<Measured> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
  const started = performance.now();
  try {
    const responses = await Promise.all(requests.map((send) => send()));
    const answers = await Promise.all(responses.map(async (response) => ({ status: response.status, body: (await response.json()) as Measured["answers"][number]["body"] })));
    return { answers, ms: performance.now() - started, rssGrowth: Math.max(peak, process.memoryUsage().rss) - before };
  } finally {
    clearInterval(sample);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vos-hostile-pictures-"));
  const starting = startEmbeddedRuntime(loadConfig({ VOS_DATA_DIR: dir, VOS_CLIP_MODEL: await testModelDir(), VOS_LOG_LEVEL: "warn" }), { workers: false });
  // One channel of zeros compresses to 0.7 MB in about a second; its header says 16000 x 16000.
  [png16k, photo12, runtime] = await Promise.all([
    sharp(Buffer.alloc(16000 * 16000), { raw: { width: 16000, height: 16000, channels: 1 } }).png({ adaptiveFiltering: false }).toBuffer(),
    sharp(PHOTO).resize(4000, 3000, { fit: "fill" }).jpeg({ quality: 90 }).toBuffer(),
    starting,
  ]);
  app = createApi({ services: runtime.services, tenantOf: () => TENANT });

  // A video with two frames: the photograph (as a 640 px still) and plain red.
  const svc = runtime.services;
  const video = await Video.create(svc, TENANT, { filename: "party.mp4", sizeBytes: 10, contentType: "video/mp4" });
  const embedder = await svc.embedder();
  const stills = [await sharp(PHOTO).resize(640).png().toBuffer(), await sharp({ create: { width: 640, height: 480, channels: 3, background: "#ff0000" } }).png().toBuffer()];
  const vectors = await embedder.embedImages(await Promise.all(stills.map((still) => decodeImage(still))));
  await svc.db.transaction((tx) =>
    Frame.upsertMany(tx, [0, 1].map((frameNo) => ({ videoId: video.id, frameNo, tenantId: TENANT, timeSec: frameNo * 5, endSec: frameNo * 5 + 1, reason: "interval" as const, thumbnailKey: Frame.thumbnailKey(TENANT, video.id, frameNo) }))),
  );
  const index = await svc.vectors.index(embedder.identity, embedder.dimension);
  await index.upsert(TENANT, vectors.map((values, frameNo) => ({ id: vectorId.frame(video.id, frameNo), values, metadata: { videoId: video.id, kind: "frame" as const, timeSec: frameNo * 5, frameNo } })));
  photoFrame = { videoId: video.id, frameNo: 0 };

  // Warm-up: the first picture search loads the vision model and sharp, which is no request's cost.
  expect((await search(await sharp(PHOTO).resize(320).jpeg().toBuffer(), "warm.jpg", "image/jpeg")).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await runtime?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("hostile pictures in picture search", () => {
  it("refuses the 123-byte SVG of 16000 x 16000 with 415 image.unsupported_type, at once and without memory", async () => {
    expect(SVG.length).toBe(123);
    const stored = await listing(dir);
    const { answers, ms, rssGrowth } = await measure([() => search(SVG, "tiny.svg", "image/svg+xml")]);
    expect(answers).toEqual([
      { status: 415, body: { code: "image.unsupported_type", message: "The picture is SVG; pictures here may be JPEG, PNG, WebP, GIF (first frame), AVIF or TIFF." } },
    ]);
    expect(ms).toBeLessThan(1000);
    expect(rssGrowth).toBeLessThan(50 * MB);
    expect(await listing(dir)).toEqual(stored);
  });

  it("refuses a 16000 x 16000 PNG with 413 image.too_many_pixels naming the limit and its size, at once and without memory", async () => {
    expect(png16k.length).toBeLessThan(1 * MB);
    const stored = await listing(dir);
    const { answers, ms, rssGrowth } = await measure([() => search(png16k, "huge.png", "image/png")]);
    expect(answers).toEqual([
      {
        status: 413,
        body: { code: "image.too_many_pixels", message: "The picture is 16000 x 16000 (256 megapixels); the limit here is 64 megapixels. Send a smaller picture." },
      },
    ]);
    expect(ms).toBeLessThan(1000);
    expect(rssGrowth).toBeLessThan(50 * MB);
    expect(await listing(dir)).toEqual(stored);
  });

  it("stays within the same bounds with three of them in parallel", async () => {
    const stored = await listing(dir);
    const { answers, ms, rssGrowth } = await measure([
      () => search(SVG, "a.svg", "image/svg+xml"),
      () => search(png16k, "b.png", "image/png"),
      () => search(SVG, "c.svg", "image/svg+xml"),
    ]);
    expect(answers.map((answer) => [answer.status, answer.body.code])).toEqual([
      [415, "image.unsupported_type"],
      [413, "image.too_many_pixels"],
      [415, "image.unsupported_type"],
    ]);
    expect(ms).toBeLessThan(1000);
    expect(rssGrowth).toBeLessThan(50 * MB);
    expect(await listing(dir)).toEqual(stored);
  });

  it("still searches with a 12 MP phone photo, finding its own frame first, and writes nothing to the data folder but the photo kept for the search's link", async () => {
    const stored = await listing(dir);
    const { answers } = await measure([() => search(photo12, "party.jpg", "image/jpeg")]);
    expect(answers[0]!.status).toBe(200);
    const hits = answers[0]!.body.hits!;
    expect(hits.length).toBeGreaterThan(0);
    expect({ videoId: hits[0]!.videoId, frameNo: hits[0]!.frameNo }).toEqual(photoFrame);
    // Kept as it was searched with: a JPEG of at most 448 px on its short side, not the 12 MP photo.
    const kept = await Search.keptForm(photo12);
    expect(kept.length).toBeLessThan(photo12.length / 10);
    const id = createHash("sha256").update(kept).digest("hex");
    expect(await listing(dir)).toEqual([...stored, `blobs/_queries/local/${id}/picture.jpg ${kept.length}`].sort());
  });

  it("documents the accepted types, the pixel limit and both codes in the OpenAPI document, as core sets them", async () => {
    const doc = (await (await app.request("/api/openapi.json")).json()) as { paths: Record<string, { post?: { description?: string; responses?: Record<string, unknown> } }> };
    const route = doc.paths["/search/image"]?.post;
    expect(route?.description).toContain(`${ACCEPTED_PICTURES} of at most ${MAX_PICTURE_PIXELS / 1e6} megapixels (AVIF: 16)`);
    expect(route?.description).toMatch(/415 image\.unsupported_type, more pixels 413 image\.too_many_pixels/);
    expect(Object.keys(route?.responses ?? {})).toEqual(expect.arrayContaining(["413", "415"]));
  });
});
