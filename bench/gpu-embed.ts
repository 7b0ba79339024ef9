/**
 * Frames per second of the ViT-B/32-sized vision tower on a GPU, through onnxruntime-node's CUDA
 * execution provider, at batch 64 and 256 (what a GPU worker task would embed at once).
 *
 *   npx tsx bench/gpu-embed.ts [--batches 64,256] [--seconds 10] [--device 0]
 *
 * Input tensors are 224x224 frames already preprocessed, copied from host memory on every run
 * (as the worker does). Prints a table and writes bench/results/gpu-embed-<ISO time>.json.
 * Exits with status 2 and says why when no CUDA provider can be used (as on a machine without
 * an NVIDIA GPU, or where onnxruntime-node's CUDA libraries were not installed: see README).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { CLIP_VIT_B32_PUBLISHED, visionMacs } from "../packages/core/scripts/bench-model.js";
import { benchModelDir } from "./support/bench-model.js";
import { latency, round } from "./support/stats.js";
import { renderTable } from "./support/table.js";
import { gaussianSource } from "./support/vectors.js";

const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "results");
const NO_CUDA_EXIT = 2;

function noCuda(reason: string): never {
  console.error(
    [
      `No CUDA execution provider: ${reason}`,
      "This script measures the vision tower on an NVIDIA GPU and needs onnxruntime-node's CUDA 12 libraries",
      "(CUDA 12 and cuDNN 9 on the machine). The project skips them by default (package.json's",
      "allowScripts denies onnxruntime-node's install script); on the GPU machine, after `npm install`, fetch them with:",
      "  ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js",
      "then run `npx tsx bench/gpu-embed.ts` again (see bench/README.md).",
    ].join("\n"),
  );
  process.exit(NO_CUDA_EXIT);
}

/** Where onnxruntime-node looks for its CUDA provider library. */
function cudaProviderLibrary(): string {
  const binding = path.dirname(createRequire(import.meta.url).resolve("onnxruntime-node"));
  return path.join(binding, "..", "bin", "napi-v6", `${os.platform()}/${os.arch()}`, "libonnxruntime_providers_cuda.so");
}

function gpuName(device: number): string | null {
  try {
    const lines = execFileSync("nvidia-smi", ["--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return lines.trim().split("\n")[device]?.trim() ?? null;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { batches: { type: "string", default: "64,256" }, seconds: { type: "string", default: "10" }, device: { type: "string", default: "0" } },
  });
  const batches = values.batches.split(",").map(Number);
  const seconds = Number(values.seconds);
  const device = Number(values.device);
  if (batches.some((b) => !Number.isInteger(b) || b < 1) || !(seconds > 0) || !Number.isInteger(device)) {
    throw new Error("usage: npx tsx bench/gpu-embed.ts [--batches 64,256] [--seconds 10] [--device 0]");
  }

  const cuda = ort.listSupportedBackends().find((backend) => backend.name === "cuda");
  if (!cuda) noCuda(`this onnxruntime-node build (${os.platform()}/${os.arch()}) has no CUDA support.`);
  const library = cudaProviderLibrary();
  if (!cuda.bundled && !existsSync(library)) noCuda(`${path.relative(process.cwd(), library)} is not installed.`);

  const model = await benchModelDir();
  const file = path.join(model.dir, "onnx", "vision_model.onnx");
  let session: ort.InferenceSession;
  const started = performance.now();
  try {
    session = await ort.InferenceSession.create(file, { executionProviders: [{ name: "cuda", deviceId: device }], graphOptimizationLevel: "all" });
  } catch (error) {
    noCuda(`onnxruntime could not start it (${error instanceof Error ? error.message : String(error)}).`);
  }
  const loadMs = performance.now() - started;
  const gpu = gpuName(device);
  console.log(`Vision tower of ${path.relative(process.cwd(), model.dir)} on CUDA device ${device}${gpu ? ` (${gpu})` : ""}, session ready in ${round(loadMs / 1000, 1)} s`);

  const macs = visionMacs();
  const normal = gaussianSource(5);
  const rows: (string | number | null)[][] = [];
  const results: Record<string, unknown> = {};
  for (const batch of batches) {
    const pixels = Float32Array.from({ length: batch * 3 * 224 * 224 }, () => normal());
    const input = new ort.Tensor("float32", pixels, [batch, 3, 224, 224]);
    for (let i = 0; i < 3; i++) await session.run({ pixel_values: input }); // warm-up: kernels, memory arena
    const times: number[] = [];
    const begin = performance.now();
    while (performance.now() - begin < seconds * 1000 || times.length < 5) {
      const t = performance.now();
      const output = await session.run({ pixel_values: input });
      times.push(performance.now() - t);
      const embeds = output.image_embeds?.data as Float32Array | undefined;
      if (!embeds || !Number.isFinite(embeds[0]!)) throw new Error("the vision tower gave no finite output");
    }
    const totalMs = performance.now() - begin;
    const framesPerSec = (batch * times.length) / (totalMs / 1000);
    const perBatch = latency(times);
    results[`batch${batch}`] = { batch, runs: times.length, framesPerSec: round(framesPerSec, 1), msPerBatch: perBatch, teraMacsPerSec: round((framesPerSec * macs) / 1e12, 2) };
    rows.push([batch, times.length, round(framesPerSec, 1), perBatch.p50, perBatch.p95, round((framesPerSec * macs) / 1e12, 2)]);
  }
  await session.release();

  console.log(
    `\n${renderTable({
      title: `Vision tower frames/s on CUDA (${round(macs / 1e9, 2)} G multiply-adds a frame; CLIP ViT-B/32: ${CLIP_VIT_B32_PUBLISHED.visionGigaMacs} G)`,
      columns: ["batch", "runs", "frames/s", "ms/batch p50", "ms/batch p95", "T multiply-adds/s"],
      rows,
    })}`,
  );
  const startedAt = new Date();
  const report = {
    startedAt: startedAt.toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", memoryBytes: os.totalmem(), node: process.version, gpu, device },
    settings: { model: path.relative(process.cwd(), model.dir), batches, seconds, executionProvider: "cuda", input: "float32 [batch, 3, 224, 224] from host memory" },
    sessionLoadMs: round(loadMs),
    results,
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  const out = path.join(RESULTS_DIR, `gpu-embed-${startedAt.toISOString().replace(/:/g, "-")}.json`);
  await writeFile(out, JSON.stringify(report, null, 2) + "\n");
  console.log(`\nResults: ${path.relative(process.cwd(), out)}`);
}

await main();
