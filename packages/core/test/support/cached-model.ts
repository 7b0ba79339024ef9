import { access, rename, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

/**
 * A generated model folder, written once into `<repo>/.cache/test-models/<name>` (the name
 * carries a version: change the weights, change the name) and reused. Vitest workers may race:
 * each writes a private sibling and renames it into place, and a loser keeps the winner's copy.
 * A failed generation is not remembered, so the next call tries again.
 */
export function cachedModel(name: string, requiredFiles: readonly string[], write: (dir: string) => Promise<void>): () => Promise<string> {
  let pending: Promise<string> | undefined;
  const isComplete = async (dir: string) => {
    try {
      await Promise.all(requiredFiles.map((file) => access(path.join(dir, file))));
      return true;
    } catch {
      return false;
    }
  };
  // rename() is atomic, and fails when another worker's complete copy is already there.
  const moveIntoPlace = async (temp: string, dir: string) => {
    try {
      await rename(temp, dir);
    } catch (error) {
      if (await isComplete(dir)) return;
      // An incomplete folder (say, from an interrupted generation): replace it once.
      await rm(dir, { recursive: true, force: true });
      await rename(temp, dir).catch(async (retryError: unknown) => {
        if (!(await isComplete(dir))) throw retryError ?? error;
      });
    }
  };
  const ensure = async () => {
    const dir = path.join(repoRoot, ".cache", "test-models", name);
    if (await isComplete(dir)) return dir;
    const temp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    try {
      await write(temp);
      await moveIntoPlace(temp, dir);
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
    return dir;
  };
  return () => {
    pending ??= ensure().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
