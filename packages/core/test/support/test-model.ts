import { access, rename, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TEST_MODEL_NAME, writeTestClipModel } from "../../scripts/test-model.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const REQUIRED_FILES = ["config.json", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json", "onnx/text_model.onnx", "onnx/vision_model.onnx"];

let pending: Promise<string> | undefined;

/**
 * The generated test CLIP model, written once into `<repo>/.cache/test-models/clip-colours-v1`
 * (the name carries a version: change the weights, change the name). Vitest workers may race:
 * each writes a private sibling and renames it into place, and a loser keeps the winner's copy.
 */
export function testModelDir(): Promise<string> {
  pending ??= ensureTestModel().catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

async function ensureTestModel(): Promise<string> {
  const dir = path.join(repoRoot, ".cache", "test-models", TEST_MODEL_NAME);
  if (await isComplete(dir)) return dir;
  const temp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeTestClipModel(temp);
    await moveIntoPlace(temp, dir);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  return dir;
}

/** rename() is atomic, and fails when another worker's complete copy is already there. */
async function moveIntoPlace(temp: string, dir: string): Promise<void> {
  try {
    await rename(temp, dir);
  } catch (error) {
    if (await isComplete(dir)) return;
    // An incomplete folder (say, from an interrupted `npm run models:test`): replace it once.
    await rm(dir, { recursive: true, force: true });
    await rename(temp, dir).catch(async (retryError: unknown) => {
      if (!(await isComplete(dir))) throw retryError ?? error;
    });
  }
}

async function isComplete(dir: string): Promise<boolean> {
  try {
    await Promise.all(REQUIRED_FILES.map((file) => access(path.join(dir, file))));
    return true;
  } catch {
    return false;
  }
}
