/**
 * The bench model's vision encoder at fp32 and at q8 (onnx/vision_model_quantized.onnx, the file
 * the API is packaged with for picture search), used as a picture query against frames the
 * workers embedded at fp32: file size; load time and memory, each in a fresh process (this file
 * run as a script, alternating fp32, q8, fp32, q8, best of two); time per picture at batch 1,
 * alternating picture by picture; and how far q8 moves the query vector and the ranking of the
 * frames, for two kinds of query picture: a frame itself (a still taken from the video) and a
 * photo of a frame (cropped, re-scaled, its exposure changed, with sensor noise), each asking
 * also whether the frame it was made from stays the best hit. The shared pieces are
 * text-dtypes.ts's.
 *
 * `node --import tsx bench/support/vision-dtypes.ts <model dir> <dtype> <pictures>` is the probe:
 * a fresh process that loads only the CLIP vision half at `dtype`, as the API does for a picture
 * search, embeds `pictures` photos one at a time and prints one JSON line (load time: config,
 * image processor, ONNX session and the first picture; resident memory before, after, at peak).
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { loadClipEmbedder, type ClipDtype, type Embedder, type RgbImage } from "@vos/core/embedder";
import { latency, round } from "./stats.js";
import {
  agreementMetrics,
  agreementRows,
  alternate,
  costMetrics,
  costTable,
  DTYPES,
  dot,
  mean,
  probeDtypes,
  rankingAgreement,
  variedFrame,
  type Agreement,
  type Dtype,
  type DtypeOptions,
} from "./text-dtypes.js";
import { gaussianSource, uniformSource } from "./vectors.js";
import type { Cell, Table } from "../types.js";
import { peakRss } from "./peak-rss.js";

/**
 * A user's photo of `frame`: up to 6% cropped off each side, re-scaled (bilinear) so its long
 * side is 320-640 pixels, gain 0.9-1.1 and an offset of up to ±10, and noise of std 6.
 */
export function photoOf(frame: RgbImage, seed: number): RgbImage {
  const uniform = uniformSource(seed);
  const noise = gaussianSource(seed + 1);
  const [left, right, top, bottom] = [0, 0, 0, 0].map(() => Math.floor(uniform() * 0.06 * frame.width)) as [number, number, number, number];
  const [cropWidth, cropHeight] = [frame.width - left - right, frame.height - top - bottom];
  const scale = (320 + uniform() * 320) / Math.max(cropWidth, cropHeight);
  const [width, height] = [Math.round(cropWidth * scale), Math.round(cropHeight * scale)];
  const [gain, offset] = [0.9 + 0.2 * uniform(), (uniform() - 0.5) * 20];
  const data = new Uint8Array(width * height * 3);
  const at = (x: number, y: number, c: number) => frame.data[(y * frame.width + x) * 3 + c]!;
  for (let y = 0; y < height; y++) {
    const sy = Math.min(cropHeight - 1, Math.max(0, (y + 0.5) / scale - 0.5)) + top;
    const [y0, fy] = [Math.floor(sy), sy - Math.floor(sy)];
    const y1 = Math.min(frame.height - 1, y0 + 1);
    for (let x = 0; x < width; x++) {
      const sx = Math.min(cropWidth - 1, Math.max(0, (x + 0.5) / scale - 0.5)) + left;
      const [x0, fx] = [Math.floor(sx), sx - Math.floor(sx)];
      const x1 = Math.min(frame.width - 1, x0 + 1);
      for (let c = 0; c < 3; c++) {
        const value = (at(x0, y0, c) * (1 - fx) + at(x1, y0, c) * fx) * (1 - fy) + (at(x0, y1, c) * (1 - fx) + at(x1, y1, c) * fx) * fy;
        data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(value * gain + offset + 6 * noise())));
      }
    }
  }
  return { data, width, height };
}

/** Query pictures made from frames spread over the library: picture i comes from frame source[i]. */
function queryPictures(frames: readonly RgbImage[], count: number) {
  const source = Array.from({ length: count }, (_, i) => Math.floor((i * frames.length) / count));
  return {
    source,
    kinds: {
      "the frame itself": source.map((k) => frames[k]!),
      "a photo of the frame": source.map((k, i) => photoOf(frames[k]!, 5000 + i)),
    },
  };
}

/** Where the source frame stands under each dtype, and its fp32 score minus the best other frame's. */
function sourceHits(agreement: Agreement, source: readonly number[], fp32: readonly Float32Array[], frames: readonly Float32Array[]) {
  const rate = (hits: boolean[]) => hits.filter(Boolean).length / hits.length;
  const margins = source.map((k, i) => {
    const scores = frames.map((f) => dot(fp32[i]!, f));
    return scores[k]! - Math.max(...scores.filter((_, j) => j !== k));
  });
  return {
    sourceBest: { fp32: rate(source.map((k, i) => agreement.bestHits.fp32[i] === k)), q8: rate(source.map((k, i) => agreement.bestHits.q8[i] === k)) },
    sameBest: rate(agreement.bestHits.q8.map((hit, i) => hit === agreement.bestHits.fp32[i])),
    margin: { mean: mean(margins), min: Math.min(...margins) },
  };
}

export async function compareVisionDtypes(options: DtypeOptions): Promise<{ tables: Table[]; metrics: Record<string, unknown>; notes: string[] }> {
  const pictureCount = options.quick ? 8 : 32;
  const probeCount = options.quick ? 4 : 12;
  const frames = options.frames;
  const { probes, best } = await probeDtypes(options, path.join(options.repoRoot, "bench", "support", "vision-dtypes.ts"), probeCount, "vision encoder");

  const q8 = await loadClipEmbedder({ model: options.modelDir, visionDtype: "q8", batchSize: 1 });
  const embedders: Record<Dtype, Embedder> = { fp32: options.fp32, q8 };
  const embed = (dtype: Dtype) => async (picture: RgbImage) => (await embedders[dtype].embedImages([picture]))[0]!;
  const { source, kinds } = queryPictures(frames.images, pictureCount);
  const pictures = Object.values(kinds).flat();
  options.progress(`${pictures.length} query pictures through fp32 and q8 vision, alternating`);
  const { ms, vectors } = await alternate(pictures, { fp32: embed("fp32"), q8: embed("q8") });

  const results = Object.keys(kinds).map((kind, k) => {
    const part = (list: Float32Array[]) => list.slice(k * pictureCount, (k + 1) * pictureCount);
    const own = { fp32: part(vectors.fp32), q8: part(vectors.q8) };
    const agreement = rankingAgreement(own, frames.vectors);
    return { kind, agreement, hits: sourceHits(agreement, source, own.fp32, frames.vectors) };
  });

  const size = { fp32: options.onnxBytes["onnx/vision_model.onnx"]!, q8: options.onnxBytes["onnx/vision_model_quantized.onnx"]! };
  const pictureMs = { fp32: latency(ms.fp32), q8: latency(ms.q8) };
  const rows: Cell[][] = [
    ...results.map((r) => agreementRows(r.agreement, "fp32 picture")).reduce((merged, rows) => merged.map((row, i) => [...row, ...rows[i]!.slice(1)])),
    ["fp32: source frame's score minus the best other frame's", ...results.flatMap((r) => [r.hits.margin.mean.toFixed(4), r.hits.margin.min.toFixed(4)])],
    ["source frame is the best hit, fp32 (rate)", ...results.flatMap((r) => [r.hits.sourceBest.fp32.toFixed(3), null])],
    ["source frame is the best hit, q8 (rate)", ...results.flatMap((r) => [r.hits.sourceBest.q8.toFixed(3), null])],
    ["q8's best hit is fp32's (rate)", ...results.flatMap((r) => [r.hits.sameBest.toFixed(3), null])],
  ];
  return {
    tables: [
      costTable("Vision encoder fp32 against q8 as a picture query (bench model; load and memory in fresh processes, best of two)", size, best, pictureMs, {
        item: "picture",
        afterProbe: `${probeCount} pictures`,
      }),
      {
        title: `q8 picture queries against fp32 ones: ${pictureCount} pictures of each kind, ${frames.vectors.length} frames embedded by the fp32 vision half`,
        columns: ["measure", ...results.flatMap((r) => [`${r.kind}: mean`, "min"])],
        rows,
      },
    ],
    metrics: {
      ...costMetrics(size, probes, best),
      pictureMs,
      ...Object.fromEntries(
        results.map((r) => [
          r.kind === "the frame itself" ? "frameItself" : "photoOfFrame",
          {
            ...agreementMetrics(r.agreement),
            sourceMargin: { mean: round(r.hits.margin.mean, 5), min: round(r.hits.margin.min, 5) },
            sourceBestRate: { fp32: round(r.hits.sourceBest.fp32, 4), q8: round(r.hits.sourceBest.q8, 4) },
            sameBestRate: round(r.hits.sameBest, 4),
          },
        ]),
      ),
      pictures: pictureCount,
      probePictures: probeCount,
      frames: frames.vectors.length,
    },
    notes: [
      "Picture queries: per picture time includes transformers.js preprocessing (photos are 320-640 pixels on their long side, frames 224x224). The agreement rows, like the text ones, measure quantisation noise against this random model's score spread, not whether the real model's q8 export finds the right frame.",
    ],
  };
}


/** The probe (see the header): photos of varied frames, so it needs nothing from its parent. */
async function probe([dir, dtype, count]: string[]): Promise<void> {
  if (!dir || !DTYPES.includes(dtype as Dtype) || !count) throw new Error("usage: vision-dtypes.ts <model dir> <fp32|q8> <pictures>");
  const { setLogLevel } = await import("@vos/core");
  setLogLevel("warn");
  // onnxruntime and transformers.js themselves and the pictures, before any model: the baseline.
  await import("@huggingface/transformers");
  const pictures = Array.from({ length: Number(count) }, (_, i) => photoOf(variedFrame(1000 + i), 5000 + i));
  const baseRss = process.memoryUsage().rss;
  const started = performance.now();
  const embedder = await loadClipEmbedder({ model: dir, visionDtype: dtype as ClipDtype, batchSize: 1 });
  await embedder.embedImages([pictures[0]!]);
  const loadMs = performance.now() - started;
  for (const picture of pictures) await embedder.embedImages([picture]);
  console.log(JSON.stringify({ dtype, loadMs, baseRss, rss: process.memoryUsage().rss, maxRss: await peakRss() }));
  process.exit(0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await probe(process.argv.slice(2));
