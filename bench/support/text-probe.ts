/**
 * `node --import tsx bench/support/text-probe.ts <model dir> <dtype> <queries>`: a fresh process
 * that loads only the CLIP text half at `dtype`, as the API does for a text search, embeds the
 * first `queries` bench phrases one at a time, and prints one JSON line: the load time (config,
 * tokenizer, ONNX session and the first query), the resident memory before and after, and the
 * peak. A process of its own, so one dtype's memory never counts against the other's.
 */
import { setLogLevel } from "@vos/core";
import { loadClipEmbedder, type ClipDtype } from "@vos/core/embedder";
import { searchPhrases } from "./queries.js";
import { peakRss } from "./peak-rss.js";

const [dir, dtype, count] = process.argv.slice(2);
if (!dir || !dtype || !count) throw new Error("usage: text-probe.ts <model dir> <dtype> <queries>");
setLogLevel("warn");
// onnxruntime and transformers.js themselves, before any model: the baseline.
await import("@huggingface/transformers");
const baseRss = process.memoryUsage().rss;
const phrases = searchPhrases(Number(count));
const started = performance.now();
const embedder = await loadClipEmbedder({ model: dir, textDtype: dtype as ClipDtype, batchSize: 1 });
await embedder.embedTexts([phrases[0]!]);
const loadMs = performance.now() - started;
for (const phrase of phrases) await embedder.embedTexts([phrase]);
console.log(JSON.stringify({ dtype, loadMs, baseRss, rss: process.memoryUsage().rss, maxRss: await peakRss() }));
process.exit(0);

