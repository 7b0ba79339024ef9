import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadClipEmbedder, type Embedder, type RgbImage } from "../src/embedder/index.js";
import {
  CLIP_VIT_B32_PUBLISHED,
  TEXT_LAYOUTS,
  textMacs,
  textTowerMacs,
  TIMED_VOCABULARY,
  VISION_LAYOUTS,
  visionMacs,
  writeBenchClipModel,
  writeTextTower,
  writeVisionTower,
  type BenchModelInfo,
} from "../scripts/bench-model.js";

/** Parameters one transformer layer adds to each tower of CLIP ViT-B/32. */
const VISION_LAYER_PARAMS = 4 * (768 * 768 + 768) + 2 * 2 * 768 + (768 * 3072 + 3072) + (3072 * 768 + 768);
const TEXT_LAYER_PARAMS = 4 * (512 * 512 + 512) + 2 * 2 * 512 + (512 * 2048 + 2048) + (2048 * 512 + 512);

function pattern(seed: number, width = 320, height = 240): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * (seed * 2 + 7) + seed * 31) % 256;
  return { data, width, height };
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

describe("the ViT-B/32-sized bench model writer (one layer a tower)", () => {
  let dir: string;
  let info: BenchModelInfo;
  let embedder: Embedder;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "vos-bench-model-"));
    info = await writeBenchClipModel(dir, { seed: 3, layers: 1 });
    embedder = await loadClipEmbedder({ model: dir, batchSize: 8 });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("has CLIP ViT-B/32's tensor shapes: with 11 more layers the counts are the published ones", () => {
    expect(info.visionParams + 11 * VISION_LAYER_PARAMS).toBe(CLIP_VIT_B32_PUBLISHED.visionParams);
    expect(info.textParams + 11 * TEXT_LAYER_PARAMS).toBe(CLIP_VIT_B32_PUBLISHED.textParams);
    expect(visionMacs()).toBe(4_408_811_520);
    expect(textMacs(77)).toBe(12 * (4 * 77 * 512 * 512 + 2 * 77 * 77 * 512 + 2 * 77 * 512 * 2048) + 512 * 512);
  });

  it("loads through loadClipEmbedder like a hub export and gives finite unit vectors of 512", async () => {
    expect(embedder.dimension).toBe(512);
    const images = await embedder.embedImages([pattern(1), pattern(2, 640, 360)]);
    const texts = await embedder.embedTexts(["a red car parked on a street", "dog", "words the vocabulary lacks: xylophone"]);
    for (const vector of [...images, ...texts]) {
      expect(vector).toHaveLength(512);
      expect(vector.every(Number.isFinite)).toBe(true);
      expect(Math.sqrt(dot(vector, vector))).toBeCloseTo(1, 5);
    }
    expect(dot(images[0]!, images[1]!)).toBeLessThan(0.9999);
    expect(dot(texts[0]!, texts[1]!)).toBeLessThan(0.9999);
  });

  it("pools the end-of-text token: padding a text into a longer batch does not change its vector", async () => {
    const [alone] = await embedder.embedTexts(["dog"]);
    const [, padded] = await embedder.embedTexts(["a photo of two people riding bicycles on a bridge at night", "dog"]);
    expect(dot(alone!, padded!)).toBeGreaterThan(0.99999);
    const [image] = await embedder.embedImages([pattern(4)]);
    const [, inBatch] = await embedder.embedImages([pattern(5), pattern(4)]);
    expect(dot(image!, inBatch!)).toBeGreaterThan(0.99999);
  });

  it("writes byte-identical files for the same seed", async () => {
    const again = await mkdtemp(path.join(os.tmpdir(), "vos-bench-model-"));
    const digest = async (folder: string, file: string) => createHash("sha256").update(await readFile(path.join(folder, file))).digest("hex");
    try {
      await writeBenchClipModel(again, { seed: 3, layers: 1 });
      for (const file of ["onnx/vision_model.onnx", "onnx/text_model.onnx", "tokenizer.json", "config.json"]) {
        expect(await digest(again, file), file).toBe(await digest(dir, file));
      }
    } finally {
      await rm(again, { recursive: true, force: true });
    }
  });
});

describe("towers of other layouts (the model menu's costs)", () => {
  it("counts the published multiply-adds of ViT-B/16 and ViT-L/14 (17.6 G and 81 G at 224 px)", () => {
    expect(visionMacs(12, VISION_LAYOUTS["ViT-B/16"]) / 1e9).toBeCloseTo(17.6, 1);
    expect(visionMacs(24, VISION_LAYOUTS["ViT-L/14"]) / 1e9).toBeCloseTo(81, 0);
    expect(visionMacs(24, VISION_LAYOUTS["ViT-L/14-336"]) / visionMacs(24, VISION_LAYOUTS["ViT-L/14"])).toBeGreaterThan(2.25); // 577 tokens against 257
  });

  it("writes a tower of ViT-L/14's shapes that runs at its input size and gives its 768-wide vectors", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "vos-vision-tower-"));
    try {
      const file = path.join(dir, "l14-one-layer.onnx");
      const shape = { ...VISION_LAYOUTS["ViT-L/14"], layers: 1 };
      const written = await writeVisionTower(file, shape);
      expect(written.macs).toBe(visionMacs(1, shape));
      const ort = await import("onnxruntime-node");
      const session = await ort.InferenceSession.create(file);
      const input = new ort.Tensor("float32", new Float32Array(2 * 3 * 224 * 224).fill(0.5), [2, 3, 224, 224]);
      const { image_embeds: out } = await session.run({ pixel_values: input });
      expect(out!.dims).toEqual([2, 768]);
      await session.release();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("writes a text tower of the multilingual DistilBERT's width that takes padded texts and gives 512-wide vectors", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "vos-text-tower-"));
    try {
      const file = path.join(dir, "distilbert-one-layer.onnx");
      const shape = { ...TEXT_LAYOUTS["multilingual DistilBERT"], layers: 1 };
      const written = await writeTextTower(file, shape);
      // The layer's weights (as a CLIP layer's, 768 wide), the 1,024-row token and 512-row position tables, the projection.
      expect(written.params).toBe(4 * (768 * 768 + 768) + 2 * 2 * 768 + (768 * 3072 + 3072) + (3072 * 768 + 768) + (TIMED_VOCABULARY + 512) * 768 + 768 * 512);
      expect(textTowerMacs(8, TEXT_LAYOUTS["multilingual DistilBERT"]) / textTowerMacs(8, TEXT_LAYOUTS["CLIP ViT-B/32"])).toBeCloseTo(1.124, 3);
      const ort = await import("onnxruntime-node");
      const session = await ort.InferenceSession.create(file);
      const ids = new ort.Tensor("int64", BigInt64Array.from([1n, 5n, 9n, 2n, 1n, 7n, 0n, 0n]), [2, 4]);
      const mask = new ort.Tensor("int64", BigInt64Array.from([1n, 1n, 1n, 1n, 1n, 1n, 0n, 0n]), [2, 4]);
      const { text_embeds: out } = await session.run({ input_ids: ids, attention_mask: mask });
      expect(out!.dims).toEqual([2, 512]);
      expect([...(out!.data as Float32Array)].every(Number.isFinite)).toBe(true);
      await session.release();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
