import { access, rename, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TEST_DETECTOR_MODEL_NAME, writeTestDetectorModel } from "../../scripts/test-detector-model.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const REQUIRED_FILES = ["config.json", "preprocessor_config.json", "onnx/model.onnx"];

let pending: Promise<string> | undefined;

/**
 * The generated test detector, written once into `<repo>/.cache/test-models/detr-square-v1` (the
 * name carries a version: change the graph, change the name). Vitest workers may race: each
 * writes a private sibling and renames it into place, and a loser keeps the winner's copy.
 */
export function testDetectorModelDir(): Promise<string> {
  pending ??= ensureModel().catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

async function ensureModel(): Promise<string> {
  const dir = path.join(repoRoot, ".cache", "test-models", TEST_DETECTOR_MODEL_NAME);
  if (await isComplete(dir)) return dir;
  const temp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeTestDetectorModel(temp);
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
    // An incomplete folder (say, from an interrupted run): replace it once.
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
