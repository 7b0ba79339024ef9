/**
 * The bench model's text encoder at fp32 and at q8 (onnx/text_model_quantized.onnx, the file the
 * API is packaged with), side by side: file size; load time and memory, each in a fresh process
 * (text-probe.ts, alternating fp32, q8, fp32, q8, best of two); time per query at batch 1,
 * alternating query by query; and how far q8 moves the vectors: cosine to the fp32 vector of the
 * same query, and the ranking of frames (embedded once by the fp32 vision half) by q8 text against
 * the ranking by fp32 text (top-10 overlap, Spearman's rho over all frames).
 *
 * The pieces every such comparison needs (the frames, the fresh-process probes, alternating
 * timing, ranking agreement, the tables) are exported for the vision half's (vision-dtypes.ts).
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { loadClipEmbedder, type Embedder, type RgbImage } from "@vos/core/embedder";
import { searchPhrases } from "./queries.js";
import { latency, round, type Latency } from "./stats.js";
import { uniformSource } from "./vectors.js";
import type { Cell, Table } from "../types.js";

const run = promisify(execFile);
export const DTYPES = ["fp32", "q8"] as const;
export type Dtype = (typeof DTYPES)[number];

/** What a probe process prints: its load time, and its resident memory before, after and at peak. */
export interface Probe {
  dtype: Dtype;
  loadMs: number;
  baseRss: number;
  rss: number;
  maxRss: number;
}

/** Each dtype's best of its probes; `modelRss` is the memory over the process's baseline. */
export interface BestProbe {
  loadMs: number;
  rss: number;
  modelRss: number;
  maxRss: number;
}

/** Frames embedded once by the fp32 vision half: what both halves' queries are ranked against. */
export interface FrameLibrary {
  images: RgbImage[];
  vectors: Float32Array[];
}

export interface DtypeOptions {
  repoRoot: string;
  modelDir: string;
  /** Bytes of each ONNX file (BenchModelInfo.onnxBytes). */
  onnxBytes: Record<string, number>;
  /** The section's fp32 embedder (both halves). */
  fp32: Embedder;
  /** The frames searched (frameLibrary). */
  frames: FrameLibrary;
  quick: boolean;
  progress(message: string): void;
}

/** A 224x224 frame: a noisy background and a few solid rectangles, different for every seed. */
export function variedFrame(seed: number): RgbImage {
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

/** `count` varied frames (seeds 1000 on), embedded by the fp32 embedder. */
export async function frameLibrary(fp32: Embedder, count: number): Promise<FrameLibrary> {
  const images = Array.from({ length: count }, (_, i) => variedFrame(1000 + i));
  return { images, vectors: await fp32.embedImages(images) };
}

export const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
export const mean = (values: readonly number[]) => values.reduce((sum, x) => sum + x, 0) / values.length;

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

/**
 * `script` (`<model dir> <dtype> <count>`) in fresh processes, fp32, q8, fp32, q8, so neither
 * dtype's memory counts against the other's; each dtype's best of two.
 */
export async function probeDtypes(
  options: Pick<DtypeOptions, "repoRoot" | "modelDir" | "progress">,
  script: string,
  count: number,
  what: string,
): Promise<{ probes: Record<Dtype, Probe[]>; best: Record<Dtype, BestProbe> }> {
  const probes: Record<Dtype, Probe[]> = { fp32: [], q8: [] };
  for (let round = 0; round < 2; round++) {
    for (const dtype of DTYPES) {
      options.progress(`${what} ${dtype} in a fresh process (${round + 1} of 2)`);
      const { stdout } = await run(process.execPath, ["--import", "tsx", script, options.modelDir, dtype, String(count)], {
        cwd: options.repoRoot,
        env: { ...process.env, VOS_LOG_LEVEL: "warn" },
        maxBuffer: 1 << 20,
      });
      probes[dtype].push(JSON.parse(stdout.trim().split("\n").pop()!) as Probe);
    }
  }
  const best = (dtype: Dtype): BestProbe => ({
    loadMs: Math.min(...probes[dtype].map((p) => p.loadMs)),
    rss: Math.min(...probes[dtype].map((p) => p.rss)),
    modelRss: Math.min(...probes[dtype].map((p) => p.rss - p.baseRss)),
    maxRss: Math.min(...probes[dtype].map((p) => p.maxRss)),
  });
  return { probes, best: { fp32: best("fp32"), q8: best("q8") } };
}

/**
 * Embeds every item one at a time at both dtypes, alternating which goes first item by item so
 * neither always meets a warmer cache (after the first five, untimed, as a warm-up).
 */
export async function alternate<T>(items: readonly T[], embed: Record<Dtype, (item: T) => Promise<Float32Array>>): Promise<{ ms: Record<Dtype, number[]>; vectors: Record<Dtype, Float32Array[]> }> {
  for (const item of items.slice(0, 5)) for (const dtype of DTYPES) await embed[dtype](item);
  const ms: Record<Dtype, number[]> = { fp32: [], q8: [] };
  const vectors: Record<Dtype, Float32Array[]> = { fp32: [], q8: [] };
  for (let i = 0; i < items.length; i++) {
    for (const dtype of i % 2 === 0 ? DTYPES : ([...DTYPES].reverse() as Dtype[])) {
      const started = performance.now();
      vectors[dtype][i] = await embed[dtype](items[i]!);
      ms[dtype].push(performance.now() - started);
    }
  }
  return { ms, vectors };
}

/** Per query: how the q8 vector and its ranking of the frames compare with the fp32 ones. */
export interface Agreement {
  cosines: number[];
  /** Share of the top 10 frames in common. */
  overlaps: number[];
  /** Spearman's rho over all frames. */
  rhos: number[];
  /** Std of the frames' fp32 scores. */
  spreads: number[];
  /** Mean |q8 score - fp32 score| over the frames. */
  shifts: number[];
  /** The best frame (index) by each dtype's vector. */
  bestHits: Record<Dtype, number[]>;
}

export function rankingAgreement(vectors: Record<Dtype, Float32Array[]>, frames: readonly Float32Array[]): Agreement {
  const agreement: Agreement = { cosines: [], overlaps: [], rhos: [], spreads: [], shifts: [], bestHits: { fp32: [], q8: [] } };
  const top = (scores: number[]) => new Set([...ranks(scores).entries()].filter(([, rank]) => rank < 10).map(([frame]) => frame));
  const best = (scores: number[]) => scores.indexOf(Math.max(...scores));
  for (let i = 0; i < vectors.fp32.length; i++) {
    const exact = frames.map((f) => dot(vectors.fp32[i]!, f));
    const quantised = frames.map((f) => dot(vectors.q8[i]!, f));
    const [a, b] = [top(exact), top(quantised)];
    agreement.cosines.push(dot(vectors.fp32[i]!, vectors.q8[i]!));
    agreement.overlaps.push([...a].filter((frame) => b.has(frame)).length / 10);
    agreement.rhos.push(spearman(exact, quantised));
    const average = mean(exact);
    agreement.spreads.push(Math.sqrt(mean(exact.map((s) => (s - average) ** 2))));
    agreement.shifts.push(mean(exact.map((s, k) => Math.abs(s - quantised[k]!))));
    agreement.bestHits.fp32.push(best(exact));
    agreement.bestHits.q8.push(best(quantised));
  }
  return agreement;
}

/** The agreement table's rows (fixed digits: these sit near 1, where the printer's rounding would hide the differences). */
export function agreementRows(agreement: Agreement, spreadOf: string): Cell[][] {
  const { cosines, overlaps, rhos, spreads, shifts } = agreement;
  return [
    ["cosine of the q8 vector to the fp32 vector", mean(cosines).toFixed(5), Math.min(...cosines).toFixed(5)],
    ["top-10 frames in common (share)", mean(overlaps).toFixed(3), Math.min(...overlaps).toFixed(2)],
    ["Spearman's rho, ranking of all frames", mean(rhos).toFixed(5), Math.min(...rhos).toFixed(5)],
    [`frame score spread (std over frames, ${spreadOf})`, mean(spreads).toFixed(4), Math.min(...spreads).toFixed(4)],
    ["|q8 score - fp32 score| per frame", mean(shifts).toFixed(5), null],
  ];
}

export function agreementMetrics(agreement: Agreement): Record<string, unknown> {
  const { cosines, overlaps, rhos, spreads, shifts } = agreement;
  return {
    cosine: { mean: round(mean(cosines), 6), min: round(Math.min(...cosines), 6) },
    top10Overlap: { mean: round(mean(overlaps), 4), min: round(Math.min(...overlaps), 4) },
    spearman: { mean: round(mean(rhos), 5), min: round(Math.min(...rhos), 5) },
    scoreSpread: round(mean(spreads), 5),
    scoreShift: round(mean(shifts), 5),
  };
}

const mb = (bytes: number) => round(bytes / 1e6, 1);

/** One half's cost at fp32 and q8: file, load, memory (fresh processes) and time per item. */
export function costTable(
  title: string,
  size: Record<Dtype, number>,
  best: Record<Dtype, BestProbe>,
  ms: Record<Dtype, Latency>,
  words: { item: string; afterProbe: string },
): Table {
  const [b32, b8] = [best.fp32, best.q8];
  const [l32, l8] = [ms.fp32, ms.q8];
  return {
    title,
    columns: ["", "fp32", "q8", "q8 / fp32"],
    rows: [
      ["ONNX file (MB)", mb(size.fp32), mb(size.q8), round(size.q8 / size.fp32)],
      [`load + first ${words.item} (s)`, round(b32.loadMs / 1000), round(b8.loadMs / 1000), round(b8.loadMs / b32.loadMs)],
      [`resident memory after ${words.afterProbe} (MB)`, mb(b32.rss), mb(b8.rss), round(b8.rss / b32.rss)],
      ["  of which the model (MB, over transformers.js loaded)", mb(b32.modelRss), mb(b8.modelRss), round(b8.modelRss / b32.modelRss)],
      ["peak resident memory (MB)", mb(b32.maxRss), mb(b8.maxRss), round(b8.maxRss / b32.maxRss)],
      [`per ${words.item} p50 (ms, batch 1)`, l32.p50, l8.p50, round(l8.p50 / l32.p50)],
      [`per ${words.item} p95 (ms)`, l32.p95, l8.p95, round(l8.p95 / l32.p95)],
    ],
  };
}

export function costMetrics(size: Record<Dtype, number>, probes: Record<Dtype, Probe[]>, best: Record<Dtype, BestProbe>): Record<string, unknown> {
  return {
    files: size,
    probes,
    loadMs: { fp32: round(best.fp32.loadMs), q8: round(best.q8.loadMs) },
    rssBytes: { fp32: best.fp32.rss, q8: best.q8.rss },
    modelRssBytes: { fp32: best.fp32.modelRss, q8: best.q8.modelRss },
    maxRssBytes: { fp32: best.fp32.maxRss, q8: best.q8.maxRss },
  };
}

export async function compareTextDtypes(options: DtypeOptions): Promise<{ tables: Table[]; metrics: Record<string, unknown>; notes: string[] }> {
  const queryCount = options.quick ? 40 : 200;
  const frameCount = options.frames.vectors.length;
  const { probes, best } = await probeDtypes(options, path.join(options.repoRoot, "bench", "support", "text-probe.ts"), queryCount, "text encoder");

  options.progress(`${queryCount} queries through fp32 and q8 text, alternating`);
  const q8 = await loadClipEmbedder({ model: options.modelDir, textDtype: "q8", batchSize: 1 });
  const embedders: Record<Dtype, Embedder> = { fp32: options.fp32, q8 };
  const phrases = searchPhrases(queryCount);
  const embed = (dtype: Dtype) => async (phrase: string) => (await embedders[dtype].embedTexts([phrase]))[0]!;
  const { ms, vectors } = await alternate(phrases, { fp32: embed("fp32"), q8: embed("q8") });
  const agreement = rankingAgreement(vectors, options.frames.vectors);

  const size = { fp32: options.onnxBytes["onnx/text_model.onnx"]!, q8: options.onnxBytes["onnx/text_model_quantized.onnx"]! };
  const queryMs = { fp32: latency(ms.fp32), q8: latency(ms.q8) };
  return {
    tables: [
      costTable("Text encoder fp32 against q8 (bench model; load and memory in fresh processes, best of two)", size, best, queryMs, {
        item: "query",
        afterProbe: `${queryCount} queries`,
      }),
      {
        title: `q8 text against fp32 text: ${queryCount} bench queries, ${frameCount} frames embedded by the fp32 vision half`,
        columns: ["measure", "mean", "min"],
        rows: agreementRows(agreement, "fp32 text"),
      },
    ],
    metrics: { ...costMetrics(size, probes, best), queryMs, ...agreementMetrics(agreement), queries: queryCount, frames: frameCount },
    notes: [
      "The bench model's weights are random: the agreement rows measure quantisation noise against this model's score spread, not search quality. The real model's q8 export needs its own check against labelled data.",
      "q8 quantises each call's activations with one scale, so a text's vector also moves a little with its batch-mates (search embeds one query at a time).",
    ],
  };
}
