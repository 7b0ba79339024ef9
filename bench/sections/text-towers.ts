/**
 * What a search's text costs with each text tower a library can run: ViT-B/32's own (12 layers,
 * 512 wide) and the multilingual DistilBERT made for it (6 layers, 768 wide; VOS_CLIP_TEXT_MODEL),
 * each with seeded random weights (packages/core/scripts/bench-model.ts `writeTextTower`: weights
 * do not change the work), run by onnxruntime-node on one text of a search's length at a time,
 * as the API embeds a query, the layouts in turn in one run so their ratio compares.
 */
import path from "node:path";
import * as ort from "onnxruntime-node";
import { TEXT_LAYOUTS, textTowerMacs, TIMED_VOCABULARY, writeTextTower, type TextShape } from "../../packages/core/scripts/bench-model.js";
import { cachedFile } from "../support/cached-file.js";
import { round } from "../support/stats.js";
import { timedRuns } from "../support/timed-runs.js";
import type { BenchContext, SectionResult } from "../types.js";

/** Tokens of a search's text: a few words and the special tokens around them. */
const TOKENS = [8, 16] as const;

const towerFile = (context: BenchContext, name: string, shape: TextShape) =>
  cachedFile(context, path.join("text-towers", `${name.replace(/\W+/g, "-")}-${shape.layers}x${shape.hidden}-v1.onnx`), `the ${name} text tower (random weights)`, (file) => writeTextTower(file, shape));

/** Texts per second, one at a time: a warm-up, then runs until `minMs` passed and 20 were made. */
async function textsPerSec(session: ort.InferenceSession, tokens: number, minMs: number): Promise<number> {
  const ids = BigInt64Array.from({ length: tokens }, (_, i) => BigInt((i * 37) % TIMED_VOCABULARY));
  const feeds = { input_ids: new ort.Tensor("int64", ids, [1, tokens]), attention_mask: new ort.Tensor("int64", new BigInt64Array(tokens).fill(1n), [1, tokens]) };
  const { runs, ms } = await timedRuns(session, feeds, minMs, 20);
  return (runs * 1000) / ms;
}

export async function run(context: BenchContext): Promise<SectionResult> {
  const names = Object.keys(TEXT_LAYOUTS) as (keyof typeof TEXT_LAYOUTS)[];
  const measured: Record<string, { macsM: Record<number, number>; textsPerSec: Record<number, number>; msPerText: Record<number, number> }> = {};
  for (const name of names) {
    const shape = TEXT_LAYOUTS[name];
    const file = await towerFile(context, name, shape);
    context.progress(`timing ${name}`);
    const session = await ort.InferenceSession.create(file, { executionProviders: ["cpu"], graphOptimizationLevel: "all" });
    try {
      const result: (typeof measured)[string] = { macsM: {}, textsPerSec: {}, msPerText: {} };
      for (const tokens of TOKENS) {
        const perSec = await textsPerSec(session, tokens, context.quick ? 1000 : 3000);
        result.macsM[tokens] = round(textTowerMacs(tokens, shape) / 1e6, 0);
        result.textsPerSec[tokens] = round(perSec, 1);
        result.msPerText[tokens] = round(1000 / perSec, 2);
      }
      measured[name] = result;
    } finally {
      await session.release();
    }
  }
  const base = measured["CLIP ViT-B/32"]!;
  const rows = names.flatMap((name) =>
    TOKENS.map((tokens) => {
      const m = measured[name]!;
      return [name, tokens, m.macsM[tokens]!, m.msPerText[tokens]!, round(m.msPerText[tokens]! / base.msPerText[tokens]!, 2)];
    }),
  );
  return {
    title: "Text towers: what embedding one search text costs on this machine",
    settings: { tokens: TOKENS, runtime: "onnxruntime-node, CPU, fp32, random weights, one text at a time", layouts: TEXT_LAYOUTS, timedVocabulary: TIMED_VOCABULARY },
    metrics: { layouts: measured },
    tables: [{ title: "text tower cost", columns: ["tower", "tokens", "multiply-adds (M)", "ms per text", "time x CLIP"], rows }],
    notes: [
      "The embedding tables are cut to 1,024 rows: a token's lookup costs the same in a table of any size (the real ones hold 49,408 and 119,547 rows).",
      "The multilingual tower's Dense layer (768 to 512, 0.4 million multiply-adds) runs in JavaScript after pooling, outside these timings: about 0.4 ms per text on this machine (timed in Node alone).",
    ],
  };
}
