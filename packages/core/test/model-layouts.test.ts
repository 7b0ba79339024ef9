/**
 * The CLIP layouts the README's model table lists load through the one embedder path: each
 * generated with its projection size and input side (ViT-B/32 and B/16: 512 and 224 px; L/14: 768
 * and 224; L/14 at 336 px: 768 and 336), the embedder reports both, embeds pictures at that input,
 * and words still find the matching picture. A re-index counts a stored 320x240 thumbnail as
 * enlarged for a 336 px model and not for a 224 px one.
 *
 * SigLIP (siglip-base-patch16-224: 768 and 224 px) loads through the same path from its export's
 * layout: model_type "siglip", no projection_dim, a SentencePiece tokenizer, pooler_output from
 * both towers. Its generated text tower declares input_ids 64 tokens long, so embedding a text
 * at all shows it was padded (and a long one cut) to the 64 tokens SigLIP was trained with.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTestClipModel } from "../scripts/test-model.js";
import { loadClipEmbedder } from "../src/embedder/index.js";
import type { RgbImage } from "../src/embedder/types.js";

const LAYOUTS = [
  { name: "ViT-B/32 and B/16", dimension: 512, imageSize: 224 },
  { name: "ViT-L/14", dimension: 768, imageSize: 224 },
  { name: "ViT-L/14 at 336 px", dimension: 768, imageSize: 336 },
] as const;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vos-layouts-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const solid = (rgb: [number, number, number], width = 320, height = 240): RgbImage => {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(rgb, i);
  return { data, width, height };
};
const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, value, i) => sum + value * b[i]!, 0);
const norm = (a: Float32Array) => Math.sqrt(dot(a, a));

describe("CLIP model layouts", () => {
  it.each(LAYOUTS)("$name: $dimension dimensions at $imageSize px load, embed and match", async ({ dimension, imageSize }) => {
    const folder = path.join(dir, `clip-${dimension}-${imageSize}`);
    await writeTestClipModel(folder, { dimension, imageSize });
    const embedder = await loadClipEmbedder({ model: folder });
    expect({ dimension: embedder.dimension, inputSize: embedder.inputSize }).toEqual({ dimension, inputSize: imageSize });
    const [red, blue] = await embedder.embedImages([solid([255, 0, 0]), solid([0, 0, 255])]);
    const [words] = await embedder.embedTexts(["a red image"]);
    expect(red).toHaveLength(dimension);
    expect(dot(words!, red!)).toBeGreaterThan(dot(words!, blue!));
    // What a re-index counts as enlarged: a 320x240 thumbnail's short side against the input.
    expect(240 < embedder.inputSize).toBe(imageSize === 336);
  });

  it("SigLIP: 768 dimensions at 224 px load, embed 64-token texts and match", async () => {
    const folder = path.join(dir, "siglip-768-224");
    await writeTestClipModel(folder, { layout: "siglip", dimension: 768, imageSize: 224 });
    const embedder = await loadClipEmbedder({ model: folder });
    expect({ dimension: embedder.dimension, inputSize: embedder.inputSize }).toEqual({ dimension: 768, inputSize: 224 });
    const [red, blue] = await embedder.embedImages([solid([255, 0, 0]), solid([0, 0, 255])]);
    // Longer than 64 tokens: cut, not refused, and its colour word still counts.
    const [words, long] = await embedder.embedTexts(["A red image.", `a blue image ${"of the car ".repeat(30)}`]);
    for (const vector of [red!, blue!, words!, long!]) {
      expect(vector).toHaveLength(768);
      expect(norm(vector)).toBeCloseTo(1, 5);
    }
    expect(dot(words!, red!)).toBeGreaterThan(dot(words!, blue!));
    expect(dot(long!, blue!)).toBeGreaterThan(dot(long!, red!));
    // The q8 text file (its token table's rows feed a MatMul) loads and agrees.
    const q8 = await loadClipEmbedder({ model: folder, textDtype: "q8" });
    const [q8Words] = await q8.embedTexts(["A red image."]);
    expect(dot(q8Words!, words!)).toBeGreaterThan(0.99);
  });

  it("refuses a model_type it does not load, naming it and the ones it does", async () => {
    const folder = path.join(dir, "unknown-type");
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, "config.json"), JSON.stringify({ model_type: "jina_clip" }));
    const failure = loadClipEmbedder({ model: folder });
    await expect(failure).rejects.toMatchObject({ code: "embedder.model_unsupported" });
    await expect(failure).rejects.toThrow(/model_type 'jina_clip'.*'clip', 'siglip'/);
  });
});
