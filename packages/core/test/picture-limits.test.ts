/**
 * Search pictures under bounded work: the header check (formats accepted, pixel limits), the size
 * a picture is decoded to, the decode itself (upright, shrunk while loading, first GIF frame, a
 * second pixel guard inside sharp), at most two decodes at once, and a model input that is the
 * same in substance as a full-size decode gave.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { AutoImageProcessor, RawImage } from "@huggingface/transformers";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeImage, decodePlanned, PICTURE_DECODES_AT_ONCE, pictureDecodes } from "../src/embedder/image.js";
import { ACCEPTED_PICTURES, checkPictureHeader, decodeSize, MAX_PICTURE_PIXELS, type PictureHeader } from "../src/embedder/picture-limits.js";
import { testModelDir } from "./support/test-model.js";

const require = createRequire(import.meta.url);
/** A real photograph shipped in npm (a party, 1280 x 1158); its exports map hides package.json. */
const PHOTO = path.join(path.dirname(require.resolve("@vladmandic/human")), "..", "assets", "samples.jpg");
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="16000" height="16000"/>');

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error as { code: string; status: number; message: string };
  }
  throw new Error("expected a refusal");
};

const solid = (width: number, height: number, background: string) => sharp({ create: { width, height, channels: 3, background } });

/** The photograph at 4000 x 3000, as a 12 MP phone would send it. */
let photo12: Buffer;
beforeAll(async () => {
  photo12 = await sharp(PHOTO).resize(4000, 3000, { fit: "fill" }).jpeg({ quality: 90 }).toBuffer();
});

describe("checkPictureHeader", () => {
  it("accepts JPEG, PNG, WebP, GIF, AVIF and TIFF from their real headers", async () => {
    const picture = solid(64, 48, "#336699");
    for (const [made, format] of [["jpeg", "jpeg"], ["png", "png"], ["webp", "webp"], ["gif", "gif"], ["avif", "avif"], ["tiff", "tiff"]] as const) {
      const header = await sharp(await picture.clone().toFormat(made).toBuffer()).metadata();
      expect([made, checkPictureHeader(header)]).toEqual([made, { format, width: 64, height: 48, maxPixels: format === "avif" ? 16e6 : MAX_PICTURE_PIXELS }]);
    }
    expect(ACCEPTED_PICTURES).toBe("JPEG, PNG, WebP, GIF (first frame), AVIF or TIFF");
  });

  it("refuses SVG, HEIC and anything else with 415 image.unsupported_type naming the accepted types", async () => {
    const svg = refusal(() => checkPictureHeader({ format: "svg", width: 16000, height: 16000 }));
    expect(await sharp(SVG).metadata()).toMatchObject({ format: "svg", width: 16000, height: 16000 });
    expect(svg).toMatchObject({ code: "image.unsupported_type", status: 415, message: `The picture is SVG; pictures here may be ${ACCEPTED_PICTURES}.` });
    expect(refusal(() => checkPictureHeader({ format: "heif", compression: "hevc", width: 4032, height: 3024 }))).toMatchObject({
      code: "image.unsupported_type",
      message: expect.stringMatching(/^The picture is HEIF \(hevc\); pictures here may be JPEG, PNG/),
    });
    expect(refusal(() => checkPictureHeader({ format: "pdf", width: 600, height: 800 }))).toMatchObject({ code: "image.unsupported_type", status: 415 });
  });

  it("refuses more than 64 megapixels with 413 image.too_many_pixels naming the limit and the size", () => {
    const at = (width: number, height: number, extra: Partial<PictureHeader> = {}) => () => checkPictureHeader({ format: "png", width, height, ...extra });
    expect(at(8000, 8000)()).toMatchObject({ width: 8000, height: 8000 });
    expect(at(9504, 6336)()).toMatchObject({ width: 9504, height: 6336 }); // a 61 MP camera
    expect(refusal(at(16000, 16000))).toMatchObject({
      code: "image.too_many_pixels",
      status: 413,
      message: "The picture is 16000 x 16000 (256 megapixels); the limit here is 64 megapixels. Send a smaller picture.",
    });
    expect(refusal(at(8000, 8001)).message).toMatch(/^The picture is 8000 x 8001 \(just over 64 megapixels\); the limit here is 64 megapixels\./);
  });

  it("gives AVIF a limit of its own, 16 megapixels", () => {
    expect(checkPictureHeader({ format: "heif", compression: "av1", width: 4000, height: 4000 })).toMatchObject({ format: "avif", maxPixels: 16e6 });
    expect(refusal(() => checkPictureHeader({ format: "heif", compression: "av1", width: 5000, height: 4000 }))).toMatchObject({
      code: "image.too_many_pixels",
      message: "The picture is 5000 x 4000 (20 megapixels); the limit for AVIF here is 16 megapixels. Send a smaller picture.",
    });
  });

  it("takes the upright size from EXIF orientation, and refuses a header without a size", async () => {
    const sideways = await solid(40, 30, "#fff").jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(checkPictureHeader(await sharp(sideways).metadata())).toMatchObject({ width: 30, height: 40 });
    expect(refusal(() => checkPictureHeader({ format: "png" }))).toMatchObject({ code: "image.invalid", status: 415 });
  });
});

describe("decodeSize", () => {
  it.each([
    [4000, 3000, 597, 448],
    [3000, 4000, 448, 597],
    [1280, 720, 796, 448],
    [640, 360, 640, 360], // already small: left alone
    [3, 2, 3, 2],
    [448, 448, 448, 448],
    [6000, 1000, 1792, 448], // a panorama past 4:1 keeps its central 4:1
    [20000, 2, 8, 2],
    [1, 50_000_000, 1, 4],
  ])("%i x %i decodes to %i x %i", (width, height, w, h) => {
    expect(decodeSize(width, height)).toEqual({ width: w, height: h });
  });
});

describe("decodeImage", () => {
  it("decodes a 12 MP JPEG shrunk to 448 px on its short side: a fortieth of a full decode's memory", async () => {
    const full = () => sharp(photo12).rotate().toColourspace("srgb").removeAlpha().raw().toBuffer();
    const image = await decodeImage(photo12);
    expect([image.width, image.height, image.data.length]).toEqual([597, 448, 597 * 448 * 3]);
    expect(image.data.length * 40).toBeLessThan((await full()).length); // 0.8 MB rather than 36 MB
  });

  it("turns a picture upright by its EXIF orientation", async () => {
    // Stored sideways: red on the left, blue on the right; orientation 6 means "turn clockwise".
    const halves = Buffer.alloc(400 * 300 * 3);
    for (let i = 0; i < 400 * 300; i++) halves.set((i % 400) < 200 ? [255, 0, 0] : [0, 0, 255], i * 3);
    const sideways = await sharp(halves, { raw: { width: 400, height: 300, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const image = await decodeImage(sideways);
    expect([image.width, image.height]).toEqual([300, 400]);
    const at = (x: number, y: number) => Array.from(image.data.subarray((y * 300 + x) * 3, (y * 300 + x) * 3 + 3));
    expect(at(150, 20)).toEqual([expect.closeTo(255, -1.5), expect.closeTo(0, -1.5), expect.closeTo(0, -1.5)]);
    expect(at(150, 380)).toEqual([expect.closeTo(0, -1.5), expect.closeTo(0, -1.5), expect.closeTo(255, -1.5)]);
    const tall = await decodeImage(await sharp(photo12).withMetadata({ orientation: 6 }).toBuffer());
    expect([tall.width, tall.height]).toEqual([448, 597]);
  });

  it("decodes the first frame of an animated GIF, and a long strip to its central 4:1", async () => {
    const frames = await Promise.all(["#ff0000", "#0000ff"].map((colour) => solid(20, 10, colour).png().toBuffer()));
    const gif = await sharp(frames, { join: { animated: true } }).gif().toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const first = await decodeImage(gif);
    expect([first.width, first.height, Array.from(first.data.subarray(0, 3))]).toEqual([20, 10, [255, 0, 0]]);
    const strip = await decodeImage(await solid(20000, 2, "#00ff00").png().toBuffer());
    expect([strip.width, strip.height]).toEqual([8, 2]);
  });

  it("keeps sharp's own pixel limit as a second guard: a header that passed cannot decode past it", async () => {
    const plan = checkPictureHeader(await sharp(photo12).metadata());
    const error = await decodePlanned(photo12, { ...plan, maxPixels: 4000 * 3000 - 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "image.too_many_pixels", status: 413, message: expect.stringMatching(/larger than its header says; the limit here is 12 megapixels/) });
  });

  it(`runs at most ${PICTURE_DECODES_AT_ONCE} decodes at once; the others wait their turn`, async () => {
    let most = 0;
    let queued = 0;
    const watch = setInterval(() => {
      most = Math.max(most, pictureDecodes.active);
      queued = Math.max(queued, pictureDecodes.waiting);
    }, 1);
    const images = await Promise.all(Array.from({ length: 6 }, () => decodeImage(photo12)));
    clearInterval(watch);
    expect(images.map((image) => image.width)).toEqual(Array(6).fill(597));
    expect(most).toBe(PICTURE_DECODES_AT_ONCE);
    expect(queued).toBeGreaterThan(0);
    expect([pictureDecodes.active, pictureDecodes.waiting]).toEqual([0, 0]);
  });

  it("gives the model the same input in substance as a full-size decode, and closer to an antialiased resize", async () => {
    const processor = await AutoImageProcessor.from_pretrained(await testModelDir(), { local_files_only: true });
    const modelInput = async (data: Uint8Array, width: number, height: number) =>
      (await processor(new RawImage(data, width, height, 3))).pixel_values.data as Float32Array;
    const full = await sharp(photo12).raw().toBuffer();
    const shrunk = await decodeImage(photo12);
    const before = await modelInput(new Uint8Array(full), 4000, 3000);
    const now = await modelInput(shrunk.data, shrunk.width, shrunk.height);
    // CLIP's preprocessing as it was trained (PIL: antialiased bicubic to 224 on the short side, centre crop).
    const reference = await modelInput(await sharp(full, { raw: { width: 4000, height: 3000, channels: 3 } }).resize({ width: 298, height: 224, fit: "fill", kernel: "cubic" }).raw().toBuffer(), 298, 224);
    // Mean absolute difference over 8 x 8 blocks (colour and layout, not sub-pixel detail), in
    // the normalised units the model sees (one grey level is about 0.015).
    const blocks = (a: Float32Array, b: Float32Array) => {
      let sum = 0;
      for (let c = 0; c < 3; c++)
        for (let by = 0; by < 224; by += 8)
          for (let bx = 0; bx < 224; bx += 8) {
            let d = 0;
            for (let y = by; y < by + 8; y++) for (let x = bx; x < bx + 8; x++) d += a[c * 224 * 224 + y * 224 + x]! - b[c * 224 * 224 + y * 224 + x]!;
            sum += Math.abs(d / 64);
          }
      return sum / (3 * 28 * 28);
    };
    expect(blocks(now, before)).toBeLessThan(0.06);
    expect(blocks(now, reference)).toBeLessThan(blocks(before, reference));
  });
});
