import { stat } from "node:fs/promises";
import path from "node:path";
import type { BenchContext } from "../types.js";

/**
 * A generated input in the bench cache (`relative` inside it, a name that changes with what it
 * holds): written once by `write`, with `what` in the progress line, then reused.
 */
export async function cachedFile(context: BenchContext, relative: string, what: string, write: (file: string) => Promise<unknown>): Promise<string> {
  const file = path.join(context.cacheDir, relative);
  if (await stat(file).catch(() => undefined)) return file;
  context.progress(`writing ${what}`);
  await write(file);
  return file;
}
