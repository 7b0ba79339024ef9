/**
 * The bench model's text encoder at fp32 and at q8 (onnx/text_model_quantized.onnx, the file the
 * API is packaged with), side by side: file size; load time and memory, each in a fresh process
 * (text-probe.ts, alternating fp32, q8, fp32, q8, best of two); time per query at batch 1,
 * alternating query by query; and how far q8 moves the vectors: cosine to the fp32 vector of the
 * same query, and the ranking of frames (embedded once by the fp32 vision half) by q8 text against
 * the ranking by fp32 text (top-10 overlap, Spearman's rho over all frames).
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { loadClipEmbedder, type Embedder, type RgbImage } from "@vos/core/embedder";
import { searchPhrases } from "./queries.js";
import { latency, round } from "./stats.js";
import { uniformSource } from "./vectors.js";
import type { Table } from "../types.js";

const run = promisify(execFile);
const DTYPES = ["fp32", "q8"] as const;
type Dtype = (typeof DTYPES)[number];

interface Probe {
  dtype: Dtype;
  loadMs: number;
  baseRss: number;
  rss: number;
  maxRss: number;
}

export interface TextDtypeOptions {
  repoRoot: string;
  modelDir: string;
  /** Bytes of each ONNX file (BenchModelInfo.onnxBytes). */
  onnxBytes: Record<string, number>;
  /** The section's fp32 embedder (both halves). */
  fp32: Embedder;
  quick: boolean;
  progress(message: string): void;
}

/** A 224x224 frame: a noisy background and a few solid rectangles, different for every seed. */
function variedFrame(seed: number): RgbImage {
  const uniform = uniformSource(seed);
  const size = 224;
  const data = new Uint8Array(size * size * 3);
  const background = [uniform() * 255, uniform() * 255, uniform() * 255];
  for (let i = 0; i < size * size; i++) data.set(background.map((c) => c + (uniform() - 0.5) * 40), i * 3);
  for (let r = 0; r < 6; r++) {
    const [x0, y0, w, h] = [Math.floor(uniform() * size), Math.floor(uniform() * size), 20 + uniform() * 100, 20 + uniform() * 100];
    const colour = [uniform() * 255, uniform() * 255, uniform() * 255];
    for (let y = y0; y < Math.min(size, y0 + h); y++) for (let x = x0; x < Math.min(size, x0 + w); x++) data.set(colour, (y * size + x) * 3);
  }
  return { data, width: size, height: size };
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
const mean = (values: readonly number[]) => values.reduce((sum, x) => sum + x, 0) / values.length;

/** Ranks (0 = best) of `scores`, highest first. */
function ranks(scores: readonly number[]): Float64Array {
  const order = scores.map((score, i) => [score, i] as const).sort((a, b) => b[0] - a[0]);
  const result = new Float64Array(scores.length);
  order.forEach(([, i], rank) => (result[i] = rank));
  return result;
}

/** Spearman's rho of two score lists (no ties among float scores). */
function spearman(a: readonly number[], b: readonly number[]): number {
  const [ra, rb] = [ranks(a), ranks(b)];
  const n = a.length;
  let d2 = 0;
  for (let i = 0; i < n; i++) d2 += (ra[i]! - rb[i]!) ** 2;
  return 1 - (6 * d2) / (n * (n * n - 1));
}

async function probe(options: TextDtypeOptions, dtype: Dtype, queries: number): Promise<Probe> {
  const script = path.join(options.repoRoot, "bench", "support", "text-probe.ts");
  const { stdout } = await run(process.execPath, ["--import", "tsx", script, options.modelDir, dtype, String(queries)], {
    cwd: options.repoRoot,
    env: { ...process.env, VOS_LOG_LEVEL: "warn" },
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split("\n").pop()!) as Probe;
}

export async function compareTextDtypes(options: TextDtypeOptions): Promise<{ tables: Table[]; metrics: Record<string, unknown>; notes: string[] }> {
  const queryCount = options.quick ? 40 : 200;
  const frameCount = options.quick ? 64 : 256;

  const probes: Record<Dtype, Probe[]> = { fp32: [], q8: [] };
  for (let round = 0; round < 2; round++) {
    for (const dtype of DTYPES) {
      options.progress(`text encoder ${dtype} in a fresh process (${round + 1} of 2)`);
      probes[dtype].push(await probe(options, dtype, queryCount));
    }
  }
  const best = (dtype: Dtype) => ({
    loadMs: Math.min(...probes[dtype].map((p) => p.loadMs)),
    rss: Math.min(...probes[dtype].map((p) => p.rss)),
    modelRss: Math.min(...probes[dtype].map((p) => p.rss - p.baseRss)),
    maxRss: Math.min(...probes[dtype].map((p) => p.maxRss)),
  });

  options.progress(`${queryCount} queries through fp32 and q8 text, alternating`);
  const q8 = await loadClipEmbedder({ model: options.modelDir, textDtype: "q8", batchSize: 1 });
  const embedders: Record<Dtype, Embedder> = { fp32: options.fp32, q8 };
  const phrases = searchPhrases(queryCount);
  for (const phrase of phrases.slice(0, 5)) for (const dtype of DTYPES) await embedders[dtype].embedTexts([phrase]);
  const times: Record<Dtype, number[]> = { fp32: [], q8: [] };
  const vectors: Record<Dtype, Float32Array[]> = { fp32: [], q8: [] };
  for (let i = 0; i < phrases.length; i++) {
    // Which goes first alternates, so neither always meets a warmer cache.
    for (const dtype of i % 2 === 0 ? DTYPES : ([...DTYPES].reverse() as Dtype[])) {
      const started = performance.now();
      const [vector] = await embedders[dtype].embedTexts([phrases[i]!]);
      times[dtype].push(performance.now() - started);
      vectors[dtype][i] = vector!;
    }
  }

  options.progress(`${frameCount} frames through the fp32 vision half`);
  const frames = await options.fp32.embedImages(Array.from({ length: frameCount }, (_, i) => variedFrame(1000 + i)));
  const cosines = phrases.map((_, i) => dot(vectors.fp32[i]!, vectors.q8[i]!));
  const overlaps: number[] = [];
  const rhos: number[] = [];
  const spreads: number[] = [];
  const shifts: number[] = [];
  for (let i = 0; i < phrases.length; i++) {
    const exact = frames.map((f) => dot(vectors.fp32[i]!, f));
    const quantised = frames.map((f) => dot(vectors.q8[i]!, f));
    const top = (scores: number[]) => new Set([...ranks(scores).entries()].filter(([, rank]) => rank < 10).map(([frame]) => frame));
    const [a, b] = [top(exact), top(quantised)];
    overlaps.push([...a].filter((frame) => b.has(frame)).length / 10);
    rhos.push(spearman(exact, quantised));
    const average = mean(exact);
    spreads.push(Math.sqrt(mean(exact.map((s) => (s - average) ** 2))));
    shifts.push(mean(exact.map((s, k) => Math.abs(s - quantised[k]!))));
  }

  const mb = (bytes: number) => round(bytes / 1e6, 1);
  const size = { fp32: options.onnxBytes["onnx/text_model.onnx"]!, q8: options.onnxBytes["onnx/text_model_quantized.onnx"]! };
  const [b32, b8] = [best("fp32"), best("q8")];
  const [l32, l8] = [latency(times.fp32), latency(times.q8)];
  const costTable: Table = {
    title: "Text encoder fp32 against q8 (bench model; load and memory in fresh processes, best of two)",
    columns: ["", "fp32", "q8", "q8 / fp32"],
    rows: [
      ["ONNX file (MB)", mb(size.fp32), mb(size.q8), round(size.q8 / size.fp32)],
      ["load + first query (s)", round(b32.loadMs / 1000), round(b8.loadMs / 1000), round(b8.loadMs / b32.loadMs)],
      [`resident memory after ${queryCount} queries (MB)`, mb(b32.rss), mb(b8.rss), round(b8.rss / b32.rss)],
      ["  of which the model (MB, over transformers.js loaded)", mb(b32.modelRss), mb(b8.modelRss), round(b8.modelRss / b32.modelRss)],
      ["peak resident memory (MB)", mb(b32.maxRss), mb(b8.maxRss), round(b8.maxRss / b32.maxRss)],
      ["per query p50 (ms, batch 1)", l32.p50, l8.p50, round(l8.p50 / l32.p50)],
      ["per query p95 (ms)", l32.p95, l8.p95, round(l8.p95 / l32.p95)],
    ],
  };
  const agreementTable: Table = {
    title: `q8 text against fp32 text: ${queryCount} bench queries, ${frameCount} frames embedded by the fp32 vision half`,
    columns: ["measure", "mean", "min"],
    // Fixed digits: these sit near 1, where the printer's rounding would hide the differences.
    rows: [
      ["cosine of the q8 vector to the fp32 vector", mean(cosines).toFixed(5), Math.min(...cosines).toFixed(5)],
      ["top-10 frames in common (share)", mean(overlaps).toFixed(3), Math.min(...overlaps).toFixed(2)],
      ["Spearman's rho, ranking of all frames", mean(rhos).toFixed(5), Math.min(...rhos).toFixed(5)],
      ["frame score spread (std over frames, fp32 text)", mean(spreads).toFixed(4), Math.min(...spreads).toFixed(4)],
      ["|q8 score - fp32 score| per frame", mean(shifts).toFixed(5), null],
    ],
  };
  return {
    tables: [costTable, agreementTable],
    metrics: {
      files: size,
      probes,
      loadMs: { fp32: round(b32.loadMs), q8: round(b8.loadMs) },
      rssBytes: { fp32: b32.rss, q8: b8.rss },
      modelRssBytes: { fp32: b32.modelRss, q8: b8.modelRss },
      maxRssBytes: { fp32: b32.maxRss, q8: b8.maxRss },
      queryMs: { fp32: l32, q8: l8 },
      cosine: { mean: round(mean(cosines), 6), min: round(Math.min(...cosines), 6) },
      top10Overlap: { mean: round(mean(overlaps), 4), min: round(Math.min(...overlaps), 4) },
      spearman: { mean: round(mean(rhos), 5), min: round(Math.min(...rhos), 5) },
      scoreSpread: round(mean(spreads), 5),
      scoreShift: round(mean(shifts), 5),
      queries: queryCount,
      frames: frameCount,
    },
    notes: [
      "The bench model's weights are random: the agreement rows measure quantisation noise against this model's score spread, not search quality. The real model's q8 export needs its own check against labelled data.",
      "q8 quantises each call's activations with one scale, so a text's vector also moves a little with its batch-mates (search embeds one query at a time).",
    ],
  };
}
