/**
 * `npm run models:test -- <dir>`: writes the generated colour CLIP model (see test-model.ts) into
 * <dir>, for running the app offline with VOS_CLIP_MODEL=<dir>.
 */
import path from "node:path";
import { TEST_MODEL_NAME, writeTestClipModel } from "./test-model.js";

// npm runs scripts from the repo root; INIT_CWD is where the user typed the command.
const cwd = process.env.INIT_CWD ?? process.cwd();
const dir = path.resolve(cwd, process.argv[2] ?? path.join(".cache", "test-models", TEST_MODEL_NAME));
const started = performance.now();
await writeTestClipModel(dir);
console.log(`Wrote test CLIP model to ${dir} (${Math.round(performance.now() - started)} ms).`);
console.log(`Use it with: VOS_CLIP_MODEL=${dir}`);
