/**
 * `npm run models:bench -- [dir] [--seed N] [--layers N]`: writes the ViT-B/32-sized CLIP model
 * with seeded random weights (see bench-model.ts, about 600 MB) into <dir>, by default
 * `.cache/bench-models/clip-vit-b32-random-v1`, for benchmarks or VOS_CLIP_MODEL=<dir>.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { BENCH_MODEL_NAME, writeBenchClipModel } from "./bench-model.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { seed: { type: "string" }, layers: { type: "string" } },
});
const integer = (name: string, value: string | undefined) => {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new Error(`--${name} must be an integer, got '${value}'`);
  return parsed;
};
// npm runs scripts from the repo root; INIT_CWD is where the user typed the command.
const cwd = process.env.INIT_CWD ?? process.cwd();
const dir = path.resolve(cwd, positionals[0] ?? path.join(".cache", "bench-models", BENCH_MODEL_NAME));
const seed = integer("seed", values.seed);
const layers = integer("layers", values.layers);
const info = await writeBenchClipModel(dir, { ...(seed === undefined ? {} : { seed }), ...(layers === undefined ? {} : { layers }) });
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
console.log(
  `Wrote the ViT-B/32-sized random CLIP model to ${dir} in ${(info.ms / 1000).toFixed(1)} s: ` +
    `vision ${(info.visionParams / 1e6).toFixed(2)} M parameters (${mb(info.visionBytes)}), text ${(info.textParams / 1e6).toFixed(2)} M (${mb(info.textBytes)}), ` +
    `${(info.visionMacsPerImage / 1e9).toFixed(2)} G multiply-adds per image.`,
);
console.log(`Use it with: VOS_CLIP_MODEL=${dir}`);
