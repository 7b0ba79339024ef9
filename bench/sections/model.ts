/**
 * The ViT-B/32-sized CLIP model with random weights (packages/core/scripts/bench-model.ts): its
 * size and compute next to openai/clip-vit-base-patch32's published figures, how long it takes
 * to generate and load, and throughput on this machine at batch 1, 16 and 64:
 *  - images through the project's embedder (transformers.js preprocessing: resize, centre crop,
 *    normalise; then the vision tower), from 640x360 frames as the pipeline decodes them;
 *  - the vision tower alone (an onnxruntime-node session fed ready 224x224 tensors), which is
 *    what the multiply-add count describes;
 *  - texts through the embedder: search-length phrases and texts of the full 77 tokens;
 *  - the text encoder at fp32 against q8: size, load, memory, time per query and how far q8
 *    moves vectors and rankings (support/text-dtypes.ts);
 *  - the vision encoder at fp32 against q8 as a picture query, the same way, and whether the frame
 *    a picture was made from stays the best hit (support/vision-dtypes.ts).
 */
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { AutoTokenizer, env } from "@huggingface/transformers";
import { loadClipEmbedder, type RgbImage } from "@vos/core/embedder";
import * as ort from "onnxruntime-node";
import { CLIP_VIT_B32, CLIP_VIT_B32_PUBLISHED, textMacs, visionMacs } from "../../packages/core/scripts/bench-model.js";
import { benchModelDir } from "../support/bench-model.js";
import { searchPhrases } from "../support/queries.js";
import { compareTextDtypes, frameLibrary } from "../support/text-dtypes.js";
import { compareVisionDtypes } from "../support/vision-dtypes.js";
import { round, since } from "../support/stats.js";
import { gaussianSource } from "../support/vectors.js";
import type { BenchContext, SectionResult, Table } from "../types.js";

const BATCHES = [1, 16, 64];
const FRAME = { width: 640, height: 360 };

/** A frame with structure (gradients and noise), so preprocessing does ordinary work. */
function syntheticFrame(seed: number): RgbImage {
  const normal = gaussianSource(seed);
  const data = new Uint8Array(FRAME.width * FRAME.height * 3);
  for (let y = 0; y < FRAME.height; y++) {
    for (let x = 0; x < FRAME.width; x++) {
      const i = (y * FRAME.width + x) * 3;
      data[i] = (x * 255) / FRAME.width;
      data[i + 1] = (y * 255) / FRAME.height;
      data[i + 2] = Math.max(0, Math.min(255, 128 + 40 * normal()));
    }
  }
  return { data, width: FRAME.width, height: FRAME.height };
}

interface Throughput {
  batch: number;
  items: number;
  ms: number;
  perSec: number;
}

/**
 * Runs `a` and `b` in turn, each on `batch` items, until both did `minItems` and `minMs` passed;
 * at batch 1 after a warm-up call each (the first call of a session allocates its buffers).
 */
async function sideBySide(batch: number, minItems: number, minMs: number, a: () => Promise<void>, b: () => Promise<void>): Promise<[Throughput, Throughput]> {
  if (batch === 1) {
    await a();
    await b();
  }
  let items = 0;
  let msA = 0;
  let msB = 0;
  const started = performance.now();
  while (items < minItems || since(started) < minMs) {
    let t = performance.now();
    await a();
    msA += since(t);
    t = performance.now();
    await b();
    msB += since(t);
    items += batch;
  }
  const result = (ms: number): Throughput => ({ batch, items, ms: round(ms), perSec: round(items / (ms / 1000)) });
  return [result(msA), result(msB)];
}

/** Runs `work(batch)` until at least `minItems` items and `minMs` passed (at batch 1 after a warm-up call). */
async function throughput(batch: number, minItems: number, minMs: number, work: (batch: number) => Promise<void>): Promise<Throughput> {
  if (batch === 1) await work(batch);
  let items = 0;
  const started = performance.now();
  while (items < minItems || since(started) < minMs) {
    await work(batch);
    items += batch;
  }
  const ms = since(started);
  return { batch, items, ms: round(ms), perSec: round(items / (ms / 1000)) };
}

export async function run(context: BenchContext): Promise<SectionResult> {
  const model = await benchModelDir();
  const { info } = model;
  const minItems = (batch: number) => (context.quick ? batch : Math.max(batch, 16));
  const minMs = context.quick ? 0 : 2000;

  context.progress("loading the model through loadClipEmbedder");
  let started = performance.now();
  const embedder = await loadClipEmbedder({ model: model.dir, batchSize: Math.max(...BATCHES) });
  const loadMs = since(started);

  // Images through the embedder and through the tower alone, alternating run by run so both
  // see the same machine load: their ratio is the preprocessing's share.
  started = performance.now();
  const session = await ort.InferenceSession.create(path.join(model.dir, "onnx", "vision_model.onnx"));
  const sessionMs = since(started);
  const frames = Array.from({ length: Math.max(...BATCHES) }, (_, i) => syntheticFrame(i + 1));
  const normal = gaussianSource(3);
  const pixels = Float32Array.from({ length: Math.max(...BATCHES) * 3 * 224 * 224 }, () => normal());
  const imageRuns: Throughput[] = [];
  const towerRuns: Throughput[] = [];
  for (const batch of BATCHES) {
    context.progress(`images through the embedder and through the tower alone, batch ${batch}`);
    const input = new ort.Tensor("float32", pixels.subarray(0, batch * 3 * 224 * 224), [batch, 3, 224, 224]);
    const [full, tower] = await sideBySide(
      batch,
      minItems(batch),
      minMs,
      async () => {
        const vectors = await embedder.embedImages(frames.slice(0, batch));
        if (!vectors.every((v) => v.every(Number.isFinite))) throw new Error("the vision tower gave a non-finite embedding");
      },
      async () => {
        await session.run({ pixel_values: input });
      },
    );
    imageRuns.push(full);
    towerRuns.push(tower);
  }
  await session.release();

  // Texts: search-length phrases, and texts long enough to fill all 77 positions.
  env.cacheDir = context.tmpDir;
  const tokenizer = await AutoTokenizer.from_pretrained(model.dir, { local_files_only: true });
  const tokens = (texts: string[]) => (tokenizer(texts, { padding: true, truncation: true }).input_ids as { dims: number[] }).dims[1]!;
  const phrases = searchPhrases(Math.max(...BATCHES), 11);
  const long = phrases.map((phrase, i) => `${phrase} ${searchPhrases(30, 100 + i).join(" and ")}`);
  const textRuns: Record<string, (Throughput & { tokens: number })[]> = { "search phrases": [], "77-token texts": [] };
  for (const [kind, texts] of [
    ["search phrases", phrases],
    ["77-token texts", long],
  ] as const) {
    for (const batch of BATCHES) {
      context.progress(`${kind} through the embedder, batch ${batch}`);
      const run = await throughput(batch, minItems(batch), minMs, async (n) => {
        const vectors = await embedder.embedTexts(texts.slice(0, n));
        if (!vectors.every((v) => v.every(Number.isFinite))) throw new Error("the text tower gave a non-finite embedding");
      });
      textRuns[kind]!.push({ ...run, tokens: tokens(texts.slice(0, batch)) });
    }
  }

  // Both halves' q8 queries are ranked against the same frames, embedded once at fp32 as workers do.
  const frameCount = context.quick ? 64 : 256;
  context.progress(`${frameCount} frames through the fp32 vision half`);
  const dtypeOptions = { repoRoot: context.repoRoot, modelDir: model.dir, onnxBytes: info.onnxBytes, fp32: embedder, frames: await frameLibrary(embedder, frameCount), quick: context.quick, progress: context.progress };
  const textDtypes = await compareTextDtypes(dtypeOptions);
  const visionDtypes = await compareVisionDtypes(dtypeOptions);

  const stamp = JSON.parse(await readFile(path.join(model.dir, "config.json"), "utf8")) as { vision_config: { num_hidden_layers: number } };
  const macs = visionMacs(stamp.vision_config.num_hidden_layers);
  const gmacs = (perSec: number, perItem: number) => round((perSec * perItem) / 1e9, 1);
  const sizeTable: Table = {
    title: "The model against openai/clip-vit-base-patch32",
    columns: ["", "bench model", "CLIP ViT-B/32"],
    rows: [
      ["vision parameters", info.visionParams, CLIP_VIT_B32_PUBLISHED.visionParams],
      ["text parameters", info.textParams, CLIP_VIT_B32_PUBLISHED.textParams],
      ["vision multiply-adds per image (G)", round(macs / 1e9, 3), CLIP_VIT_B32_PUBLISHED.visionGigaMacs],
      ["text multiply-adds per 77-token text (G)", round(textMacs(77) / 1e9, 3), round(textMacs(77) / 1e9, 3)],
      [
        "files (MB): vision, text",
        `${Math.round(info.visionBytes / 1e6)}, ${Math.round(info.textBytes / 1e6)}`,
        `${Math.round((CLIP_VIT_B32_PUBLISHED.visionParams * 4) / 1e6)}, ${Math.round((CLIP_VIT_B32_PUBLISHED.textParams * 4) / 1e6)} (fp32 weights)`,
      ],
      [`generate (s, ${model.generated ? "this run" : "when it was cached"})`, round(info.ms / 1000, 1), null],
      ["load through loadClipEmbedder (s)", round(loadMs / 1000, 2), null],
    ],
  };
  const imageTable: Table = {
    title: "Images per second (640x360 frames through the embedder; 224x224 tensors into the tower alone)",
    columns: ["batch", "embedder img/s", "tower only img/s", "tower G multiply-adds/s", "preprocessing share"],
    rows: BATCHES.map((batch, i) => {
      const full = imageRuns[i]!;
      const tower = towerRuns[i]!;
      return [batch, full.perSec, tower.perSec, gmacs(tower.perSec, macs), `${Math.max(0, Math.round(100 * (1 - full.perSec / tower.perSec)))}%`];
    }),
  };
  const textTable: Table = {
    title: "Texts per second through the embedder (the batch is padded to its longest text)",
    columns: ["texts", "batch", "tokens", "texts/s", "G multiply-adds/s"],
    rows: Object.entries(textRuns).flatMap(([kind, runs]) => runs.map((r) => [kind, r.batch, r.tokens, r.perSec, gmacs(r.perSec, textMacs(r.tokens))])),
  };
  return {
    title: "Model: the ViT-B/32-sized random CLIP (compute as openai/clip-vit-base-patch32), generation, load and throughput",
    settings: {
      model: path.relative(context.repoRoot, model.dir),
      name: info.name,
      seed: info.seed,
      layers: info.layers,
      std: info.std,
      batches: BATCHES,
      frame: FRAME,
      architecture: CLIP_VIT_B32,
      onnxruntime: { executionProvider: "cpu", threads: "onnxruntime's default (one per core)", cores: os.cpus().length },
    },
    metrics: {
      visionParams: info.visionParams,
      textParams: info.textParams,
      visionMacsPerImage: macs,
      textMacsAt77Tokens: textMacs(77),
      visionBytes: info.visionBytes,
      textBytes: info.textBytes,
      generateMs: info.ms,
      generatedThisRun: model.generated,
      loadMs: round(loadMs),
      towerSessionLoadMs: round(sessionMs),
      imagesPerSec: Object.fromEntries(imageRuns.map((r) => [`batch${r.batch}`, r])),
      towerImagesPerSec: Object.fromEntries(towerRuns.map((r) => [`batch${r.batch}`, { ...r, gigaMacsPerSec: gmacs(r.perSec, macs) }])),
      textsPerSec: Object.fromEntries(Object.entries(textRuns).map(([kind, runs]) => [kind, Object.fromEntries(runs.map((r) => [`batch${r.batch}`, r]))])),
      textDtypes: textDtypes.metrics,
      visionDtypes: visionDtypes.metrics,
    },
    tables: [sizeTable, imageTable, textTable, ...textDtypes.tables, ...visionDtypes.tables],
    notes: [
      "Parameters are counted from the tensors written; multiply-adds from the architecture (4.41 G per image: patch embedding 0.12 G, 12 layers of 0.36 G). CLIP's quoted '4.4 GFLOPs' counts multiply-adds.",
      "Same shapes and operators as the real export, so the real ViT-B/32 costs the same on this machine; only the weights differ.",
      "The machine is shared: compare the rows of one run (e.g. embedder vs tower) rather than runs.",
      ...textDtypes.notes,
      ...visionDtypes.notes,
    ],
  };
}
