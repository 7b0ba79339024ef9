/**
 * `npm run models:test -- <dir> [--siglip]`: writes the generated colour CLIP model (see
 * test-model.ts) into <dir>, for running the app offline with VOS_CLIP_MODEL=<dir>; `--siglip`
 * writes it in a SigLIP export's layout (768 dimensions, as siglip-base-patch16-224).
 */
import path from "node:path";
import { TEST_MODEL_NAME, writeTestClipModel } from "./test-model.js";

// npm runs scripts from the repo root; INIT_CWD is where the user typed the command.
const cwd = process.env.INIT_CWD ?? process.cwd();
const siglip = process.argv.includes("--siglip");
const target = process.argv.slice(2).find((arg) => !arg.startsWith("--"));
const dir = path.resolve(cwd, target ?? path.join(".cache", "test-models", siglip ? `${TEST_MODEL_NAME}-siglip` : TEST_MODEL_NAME));
const started = performance.now();
await writeTestClipModel(dir, siglip ? { layout: "siglip", dimension: 768 } : {});
console.log(`Wrote test ${siglip ? "SigLIP" : "CLIP"} model to ${dir} (${Math.round(performance.now() - started)} ms).`);
console.log(`Use it with: VOS_CLIP_MODEL=${dir}`);
