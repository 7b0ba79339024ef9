/**
 * What the models of the README's menu cost on this machine: the vision tower of each layout
 * (ViT-B/32, B/16, L/14, L/14 at 336 px; SigLIP base/16 has B/16's cost) with seeded random
 * weights (packages/core/scripts/bench-model.ts `writeVisionTower`), run by onnxruntime-node on
 * ready tensors at batch 8, the layouts in turn in one run, so their ratios compare. The vision
 * tower is what indexing and re-indexing spend their time in; weights do not change the work, so
 * random ones time it as the real ones would.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { VISION_LAYOUTS, visionMacs, writeVisionTower, type VisionShape } from "../../packages/core/scripts/bench-model.js";
import { cachedFile } from "../support/cached-file.js";
import { round } from "../support/stats.js";
import { timedRuns } from "../support/timed-runs.js";
import type { BenchContext, SectionResult } from "../types.js";

const BATCH = 8;

/** The tower's file, written once into the bench cache (named by its shapes). */
const towerFile = (context: BenchContext, name: string, shape: VisionShape) =>
  cachedFile(context, path.join("vision-towers", `${name.replace(/\W+/g, "-")}-${shape.imageSize}-v1.onnx`), `the ${name} vision tower (random weights)`, (file) => writeVisionTower(file, shape));

/** Images per second at batch BATCH: a warm-up run, then runs until `minMs` passed and `minRuns` were made. */
async function imagesPerSec(session: ort.InferenceSession, shape: VisionShape, minMs: number, minRuns: number): Promise<{ perSec: number; runs: number; ms: number }> {
  const size = shape.imageSize;
  const data = new Float32Array(BATCH * 3 * size * size);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.001);
  const feeds = { pixel_values: new ort.Tensor("float32", data, [BATCH, 3, size, size]) };
  const { runs, ms } = await timedRuns(session, feeds, minMs, minRuns);
  return { perSec: (runs * BATCH * 1000) / ms, runs, ms: Math.round(ms) };
}

export async function run(context: BenchContext): Promise<SectionResult> {
  const names = (context.quick ? ["ViT-B/32", "ViT-B/16"] : Object.keys(VISION_LAYOUTS)) as (keyof typeof VISION_LAYOUTS)[];
  const measured: Record<string, { macsG: number; paramsM: number; fileMB: number; imagesPerSec: number; runs: number; ms: number }> = {};
  for (const name of names) {
    const shape = VISION_LAYOUTS[name];
    const file = await towerFile(context, name, shape);
    context.progress(`timing ${name}`);
    const session = await ort.InferenceSession.create(file, { executionProviders: ["cpu"], graphOptimizationLevel: "all" });
    try {
      const large = shape.hidden > 768;
      const result = await imagesPerSec(session, shape, context.quick ? 1500 : large ? 8000 : 5000, large ? 2 : 3);
      const bytes = (await stat(file)).size;
      measured[name] = { macsG: round(visionMacs(shape.layers, shape) / 1e9, 1), paramsM: round(bytes / 4 / 1e6, 1), fileMB: round(bytes / 1e6, 0), imagesPerSec: round(result.perSec, 2), runs: result.runs, ms: result.ms };
    } finally {
      await session.release();
    }
  }
  const base = measured["ViT-B/32"]!;
  const rows = names.map((name) => {
    const m = measured[name]!;
    return [name, m.macsG, round(m.macsG / base.macsG, 1), m.fileMB, m.imagesPerSec, round(base.imagesPerSec / m.imagesPerSec, 1)];
  });
  return {
    title: `Vision towers of the model menu: images per second at batch ${BATCH} on this machine`,
    settings: { batch: BATCH, runtime: "onnxruntime-node, CPU, fp32, random weights", layouts: Object.fromEntries(names.map((name) => [name, VISION_LAYOUTS[name]])) },
    metrics: { layouts: measured },
    tables: [{ title: "vision tower cost", columns: ["layout", "multiply-adds (G)", "x B/32", "fp32 file (MB)", "images/s", "time x B/32"], rows }],
    notes: [
      "SigLIP base/16 at 224 px: ViT-B/16's tower without the class token plus a one-query pooling head (under 1% more work); its B/16 row stands for it.",
      "Embedding a frame also decodes and resizes it (transformers.js preprocessing): the model section measures that for B/32; it does not grow with the layout.",
    ],
  };
}
