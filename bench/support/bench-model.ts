/**
 * The ViT-B/32-sized random CLIP model (packages/core/scripts/bench-model.ts), generated once into
 * `<repo>/.cache/bench-models/clip-vit-b32-random-v1` and reused. Generation writes a private
 * sibling folder and renames it into place, so an interrupted run or two runs at once never
 * leave a half-written model where the next run would load it.
 */
import { readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BENCH_MODEL_NAME, BENCH_MODEL_STAMP, writeBenchClipModel, type BenchModelInfo } from "../../packages/core/scripts/bench-model.js";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BENCH_MODEL_DIR = path.join(REPO_ROOT, ".cache", "bench-models", BENCH_MODEL_NAME);
const SEED = 1;

export interface BenchModel {
  dir: string;
  info: BenchModelInfo;
  /** True when this call wrote the model (info.ms is then this run's generation time). */
  generated: boolean;
}

let pending: Promise<BenchModel> | undefined;

/** The model folder, generated on first use (about 760 MB with the q8 files, 15 s on 2 cores). */
export function benchModelDir(): Promise<BenchModel> {
  pending ??= ensureModel().catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

async function ensureModel(): Promise<BenchModel> {
  const existing = await readStamp(BENCH_MODEL_DIR);
  if (existing) return { dir: BENCH_MODEL_DIR, info: existing, generated: false };
  const temp = `${BENCH_MODEL_DIR}.tmp-${process.pid}-${Date.now()}`;
  try {
    const info = await writeBenchClipModel(temp, { seed: SEED });
    try {
      await rename(temp, BENCH_MODEL_DIR);
    } catch (error) {
      // Another run finished first (its copy is complete), or an incomplete folder is in the way.
      const winner = await readStamp(BENCH_MODEL_DIR);
      if (winner) return { dir: BENCH_MODEL_DIR, info: winner, generated: false };
      await rm(BENCH_MODEL_DIR, { recursive: true, force: true });
      await rename(temp, BENCH_MODEL_DIR).catch(() => {
        throw error;
      });
    }
    return { dir: BENCH_MODEL_DIR, info, generated: true };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/**
 * The stamp of a complete folder made with this seed and full depth, with the q8 files (a folder
 * from before them is written again), else undefined.
 */
async function readStamp(dir: string): Promise<BenchModelInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(path.join(dir, BENCH_MODEL_STAMP), "utf8")) as BenchModelInfo;
    const q8 = info.onnxBytes?.["onnx/text_model_quantized.onnx"] && info.onnxBytes["onnx/vision_model_quantized.onnx"];
    return info.name === BENCH_MODEL_NAME && info.seed === SEED && info.layers === 12 && q8 ? info : undefined;
  } catch {
    return undefined;
  }
}
