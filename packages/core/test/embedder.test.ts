import { mkdtemp, readFile, rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createServer, type AddressInfo } from "node:net";
import { AutoTokenizer } from "@huggingface/transformers";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keepEndToken } from "../src/embedder/architectures.js";
import { setLogLevel, setLogSink } from "../src/log.js";
import { cudaProviderInstalled, decodeImage, loadClipEmbedder } from "../src/embedder/index.js";
import type { ClipEmbedderOptions, Embedder, RgbImage } from "../src/embedder/index.js";
import { writeTestClipModel } from "../scripts/test-model.js";
import { testModelDir } from "./support/test-model.js";

/**
 * Colour frames as they come out of ffmpeg `color=c=<name>` through H.264 yuv420p: HTML values
 * (ffmpeg's "green" is #008000) give or take a step or two.
 */
const FRAMES: Record<string, string[]> = {
  red: ["#ff0000", "#fe0000", "#fd0201"],
  green: ["#008000", "#017f01", "#008100"],
  blue: ["#0000ff", "#0000fe", "#0102fd"],
  yellow: ["#ffff00", "#fefe01", "#fdff02"],
  white: ["#ffffff", "#fefefe", "#fbfbfb"],
  black: ["#000000", "#010101", "#101010"],
};
const COLOURS = Object.keys(FRAMES);

async function solid(colour: string, width = 224, height = 224): Promise<RgbImage> {
  const { data, info } = await sharp({ create: { width, height, channels: 3, background: colour } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

/** SMPTE-style 75% colour bars, like ffmpeg's test sources: many colours, no single one. */
function colourBars(width = 320, height = 240): RgbImage {
  const bars = [
    [191, 191, 191], [191, 191, 0], [0, 191, 191], [0, 191, 0], [191, 0, 191], [191, 0, 0], [0, 0, 191],
  ];
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(bars[Math.floor((x * bars.length) / width)]!, (y * width + x) * 3);
  }
  return { data, width, height };
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
const norm = (a: Float32Array) => Math.sqrt(dot(a, a));

/**
 * The same expectations for each set of ONNX files: fp32, q8 text against fp32 images (what the
 * API on AWS runs against the workers' vectors), and fp16 and q8 throughout.
 */
const VARIANTS: { name: string; options: Pick<ClipEmbedderOptions, "dtype" | "textDtype">; quantised: boolean }[] = [
  { name: "fp32", options: {}, quantised: false },
  { name: "q8 text, fp32 images", options: { textDtype: "q8" }, quantised: true },
  { name: "fp16", options: { dtype: "fp16" }, quantised: false },
  { name: "q8", options: { dtype: "q8" }, quantised: true },
];

for (const variant of VARIANTS) describe(`CLIP embedder on the generated colour model (${variant.name})`, () => {
  let dir: string;
  let embedder: Embedder;
  const frames: { label: string; colour: string; vector: Float32Array }[] = [];

  beforeAll(async () => {
    dir = await testModelDir();
    embedder = await loadClipEmbedder({ model: dir, ...variant.options });
    const labelled: { label: string; colour: string; image: RgbImage }[] = [];
    for (const [colour, values] of Object.entries(FRAMES)) {
      for (const value of values) labelled.push({ label: value, colour, image: await solid(value) });
    }
    labelled.push({ label: "#00ff00", colour: "lime", image: await solid("#00ff00") });
    labelled.push({ label: "bars", colour: "pattern", image: colourBars() });
    const vectors = await embedder.embedImages(labelled.map((f) => f.image));
    labelled.forEach((f, i) => frames.push({ label: f.label, colour: f.colour, vector: vectors[i]! }));
  });

  it("reads the dimension from the model's config", async () => {
    const config = JSON.parse(await readFile(path.join(dir, "config.json"), "utf8")) as { projection_dim: number };
    expect(embedder.dimension).toBe(config.projection_dim);
    expect(embedder.model).toBe(dir);
    for (const f of frames) expect(f.vector.length).toBe(embedder.dimension);
  });

  it("returns unit-length vectors, even for texts without a known word", async () => {
    const texts = await embedder.embedTexts(["a red image", "zzz qqq", "", "a photo of a dog"]);
    for (const v of [...texts, ...frames.map((f) => f.vector)]) expect(norm(v)).toBeCloseTo(1, 5);
  });

  it("tokenises colour words to whole CLIP-style tokens", async () => {
    const tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    expect(tokenizer.tokenize("A Green   image")).toEqual(["a</w>", "green</w>", "image</w>"]);
  });

  it("keeps the end-of-text token CLIP pools at when a long text is cut to 77 tokens", async () => {
    const tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    const eos = BigInt(tokenizer.eos_token_id!);
    const long = `a red image of ${"a very long description ".repeat(40)}`;
    const inputs = tokenizer([long, "a red image"], { padding: true, truncation: true });
    const row = (r: number) => Array.from((inputs.input_ids.data as BigInt64Array).subarray(r * 77, (r + 1) * 77));
    expect(inputs.input_ids.dims).toEqual([2, 77]);
    expect(row(0)[76]).not.toBe(eos); // transformers.js cut it off
    const short = row(1);
    keepEndToken(inputs, tokenizer.eos_token_id, tokenizer.model_max_length);
    expect(row(0)[76]).toBe(eos);
    expect(row(0).slice(0, 76)).not.toContain(eos);
    expect(row(1)).toEqual(short); // a text that fits is left as it is (it ends with its own)
    expect(short[4]).toBe(eos); // <start> a red image <end>
  });

  for (const colour of COLOURS) {
    it(`ranks ${colour} frames first for 'a ${colour} image'`, async () => {
      const [query] = await embedder.embedTexts([`a ${colour} image`]);
      const score = (f: (typeof frames)[number]) => dot(query!, f.vector);
      const own = frames.filter((f) => f.colour === colour).map(score);
      // Lime is also green; every other frame, the colour bars included, must score lower.
      const others = frames.filter((f) => f.colour !== colour && !(colour === "green" && f.colour === "lime")).map(score);
      expect(Math.min(...own)).toBeGreaterThan(Math.max(...others) + 0.5);
    });
  }

  it("ranks lime (#00ff00) above every non-green frame for 'a green image'", async () => {
    const [query] = await embedder.embedTexts(["a green image"]);
    const lime = dot(query!, frames.find((f) => f.colour === "lime")!.vector);
    const nonGreen = frames.filter((f) => f.colour !== "green" && f.colour !== "lime");
    for (const f of nonGreen) expect(lime).toBeGreaterThan(dot(query!, f.vector));
  });

  it("ignores words it does not know", async () => {
    const [query] = await embedder.embedTexts(["A RED sports car, parked in the rain!"]);
    const ranked = [...frames].sort((a, b) => dot(query!, b.vector) - dot(query!, a.vector));
    expect(ranked.slice(0, FRAMES.red!.length).map((f) => f.colour)).toEqual(FRAMES.red!.map(() => "red"));
  });

  it("ranks green frames first for a green still as the query", async () => {
    const png = await sharp({ create: { width: 640, height: 360, channels: 3, background: "#008000" } }).png().toBuffer();
    const [query] = await embedder.embedImages([await decodeImage(png)]);
    const ranked = [...frames].sort((a, b) => dot(query!, b.vector) - dot(query!, a.vector));
    const greens = FRAMES.green!.length + 1; // the lime frame is green too
    expect(new Set(ranked.slice(0, greens).map((f) => f.colour))).toEqual(new Set(["green", "lime"]));
    expect(dot(query!, ranked[0]!.vector)).toBeGreaterThan(0.99);
  });

  // q8 quantises each call's activations with one scale, so batch-mates move a vector a little.
  it(`gives the same vectors in batches as one at a time${variant.quantised ? ", within quantisation noise" : ""}`, async () => {
    const images = await Promise.all(["#ff0000", "#008000", "#0000ff", "#ffff00", "#ffffff"].map((c) => solid(c, 100, 60)));
    images.push(colourBars());
    const texts = ["a red image", "green", "a very very long caption about a blue image", "white", "x"];
    const batched = await loadClipEmbedder({ model: dir, batchSize: 2, ...variant.options });
    expect(batched).not.toBe(embedder);
    const [imagesBatched, textsBatched] = await Promise.all([batched.embedImages(images), batched.embedTexts(texts)]);
    const imagesSingly = await Promise.all(images.map(async (image) => (await embedder.embedImages([image]))[0]!));
    const textsSingly = await Promise.all(texts.map(async (text) => (await embedder.embedTexts([text]))[0]!));
    expect(imagesBatched).toHaveLength(images.length);
    expect(textsBatched).toHaveLength(texts.length);
    const same = (a: Float32Array, b: Float32Array) =>
      variant.quantised ? expect(dot(a, b)).toBeGreaterThan(0.999) : expect(Array.from(a)).toEqual(Array.from(b).map((x) => expect.closeTo(x, 6)));
    imagesBatched.forEach((v, i) => same(v, imagesSingly[i]!));
    textsBatched.forEach((v, i) => same(v, textsSingly[i]!));
    expect(await batched.embedTexts([])).toEqual([]);
  });

  it("loads a model once per process and options", async () => {
    const again = loadClipEmbedder({ model: dir, ...variant.options });
    expect(again).toBe(loadClipEmbedder({ model: dir, ...variant.options }));
    expect(await again).toBe(embedder);
  });
});

describe("decodeImage", () => {
  it("decodes a PNG with alpha to packed rgb24", async () => {
    const png = await sharp({ create: { width: 3, height: 2, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } })
      .png()
      .toBuffer();
    const image = await decodeImage(png);
    expect(image).toMatchObject({ width: 3, height: 2 });
    expect(image.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(image.data)).toEqual(Array.from({ length: 6 }, () => [10, 20, 30]).flat());
  });

  it("decodes a greyscale JPEG to three channels", async () => {
    const jpeg = await sharp({ create: { width: 4, height: 4, channels: 3, background: "#808080" } }).greyscale().jpeg().toBuffer();
    const image = await decodeImage(jpeg);
    expect(image.data.length).toBe(4 * 4 * 3);
  });

  it("rejects bytes that are not an image with image.invalid (415)", async () => {
    const error = await decodeImage(new TextEncoder().encode("just some text, not a picture")).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "image.invalid", status: 415 });
  });
});

describe("model that cannot be loaded", () => {
  const temps: string[] = [];
  afterAll(async () => {
    await Promise.all(temps.map((t) => rm(t, { recursive: true, force: true })));
  });

  it("names a missing folder and how to fix it", async () => {
    const model = path.join(os.tmpdir(), "vos-no-such-clip-model");
    const error = await loadClipEmbedder({ model }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "embedder.model_unavailable", status: 503, permanent: false });
    expect((error as Error).message).toContain(`'${model}'`);
    expect((error as Error).message).toContain("VOS_CLIP_MODEL");
  });

  it("does not remember a failed load: a folder filled in later loads", async () => {
    const model = await mkdtemp(path.join(os.tmpdir(), "vos-clip-"));
    temps.push(model);
    const first = loadClipEmbedder({ model });
    const error = await first.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "embedder.model_unavailable" });
    expect((error as Error).message).toContain(model);

    await writeTestClipModel(model);
    const second = loadClipEmbedder({ model });
    expect(second).not.toBe(first);
    expect((await second).dimension).toBeGreaterThan(0);
  });

  it("loads each half of the model on its first use, and tries a half that failed again", async () => {
    const model = await mkdtemp(path.join(os.tmpdir(), "vos-clip-halves-"));
    temps.push(model);
    await writeTestClipModel(model);
    const textFile = path.join(model, "onnx", "text_model.onnx");
    const lines: string[] = [];
    setLogLevel("info");
    setLogSink((line) => lines.push(line));
    try {
      const embedder = await loadClipEmbedder({ model });
      expect(lines.filter((line) => /encoder loaded/.test(line))).toEqual([]);
      // The text half's file goes missing after start-up (a damaged cache, say)...
      await rename(textFile, `${textFile}.away`);
      // ...and a worker, which embeds images only, never loads that half, so it is no matter.
      expect(await embedder.embedImages([await solid("#ff0000")])).toHaveLength(1);
      expect(lines.filter((line) => /encoder loaded/.test(line)).map((line) => JSON.parse(line).msg)).toEqual(["clip vision encoder loaded"]);
      const error = await embedder.embedTexts(["a red image"]).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "embedder.model_unavailable", permanent: false });
      await rename(`${textFile}.away`, textFile);
      expect(await embedder.embedTexts(["a red image"])).toHaveLength(1);
      expect(lines.filter((line) => /encoder loaded/.test(line)).map((line) => JSON.parse(line).msg)).toEqual(["clip vision encoder loaded", "clip text encoder loaded"]);
    } finally {
      setLogSink((line) => process.stderr.write(line + "\n"));
    }
  });

  it("fails fast with model_unavailable when the hub cannot be reached", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve)); // nothing listens there now: refused at once
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), "vos-clip-cache-"));
    temps.push(cacheDir);
    const started = performance.now();
    const error = await loadClipEmbedder({ model: "vos-test/no-such-clip-model", cacheDir, endpoint: `http://127.0.0.1:${port}` }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "embedder.model_unavailable" });
    expect((error as Error).message).toContain("'vos-test/no-such-clip-model'");
    expect((error as Error).message).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
    expect(performance.now() - started).toBeLessThan(10_000); // two short retries, not the build's patience
  });

  it("checks only the files of the half being loaded, at its dtype", async () => {
    const model = await mkdtemp(path.join(os.tmpdir(), "vos-clip-dtypes-"));
    temps.push(model);
    await writeTestClipModel(model);
    await rm(path.join(model, "onnx", "vision_model_quantized.onnx"));
    const embedder = await loadClipEmbedder({ model, dtype: "q8" });
    expect(await embedder.embedTexts(["a red image"])).toHaveLength(1);
    const error = await embedder.embedImages([await solid("#ff0000")]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "embedder.model_unavailable" });
    expect((error as Error).message).toContain(`(vision q8): ${model} lacks onnx/vision_model_quantized.onnx`);
    expect((error as Error).message).toContain("VOS_CLIP_DTYPE");
    // The fp32 vision file is there: that choice loads.
    expect(await (await loadClipEmbedder({ model, textDtype: "q8", visionDtype: "fp32" })).embedImages([await solid("#ff0000")])).toHaveLength(1);
  });
});

describe("device", () => {
  const capture = () => {
    const lines: { level: string; msg: string; device?: string; error?: string }[] = [];
    setLogLevel("info");
    setLogSink((line) => lines.push(JSON.parse(line)));
    return lines;
  };
  afterAll(() => setLogSink((line) => process.stderr.write(line + "\n")));

  it("falls back to the CPU when CUDA cannot start, saying why once, and still embeds", async () => {
    // This machine has no GPU and no CUDA provider library: asking for CUDA fails here.
    const lines = capture();
    const embedder = await loadClipEmbedder({ model: await testModelDir(), device: "cuda" });
    const [texts, images] = await Promise.all([embedder.embedTexts(["a red image"]), embedder.embedImages([await solid("#ff0000")])]);
    expect(dot(texts[0]!, images[0]!)).toBeGreaterThan(0.5);
    const warnings = lines.filter((l) => l.level === "warn");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ msg: "CUDA could not start: CLIP runs on the CPU" });
    expect(warnings[0]!.error).toMatch(/cuda/i); // onnxruntime says which provider failed
    expect(warnings[0]!.error).not.toContain("\x1b");
    expect(lines.filter((l) => /encoder loaded/.test(l.msg)).map((l) => l.device)).toEqual(["cpu", "cpu"]);
  });

  it("auto tries CUDA only where its provider library is installed", async () => {
    const lines = capture();
    const embedder = await loadClipEmbedder({ model: await testModelDir(), device: "auto", batchSize: 3 });
    expect(await embedder.embedTexts(["a blue image"])).toHaveLength(1);
    const loaded = lines.find((l) => l.msg === "clip text encoder loaded");
    if (cudaProviderInstalled()) expect(loaded?.device === "cuda" || lines.some((l) => l.level === "warn")).toBe(true);
    else expect([loaded?.device, lines.filter((l) => l.level === "warn")]).toEqual(["cpu", []]);
  });
});
