import { existsSync, statSync } from "node:fs";
import path from "node:path";
import type { VisibleError } from "../error.js";

export interface ModelSource {
  /** What transformers.js is given: an absolute folder path or a hub id. */
  location: string;
  local: boolean;
}

/**
 * Where a configured transformers.js model comes from. An existing folder (absolute or relative
 * to cwd) is loaded from disk with downloads off, and must hold `requiredFiles` (checked here,
 * because transformers.js remembers "file missing" for the whole process); anything that is
 * clearly a path but missing fails at once; everything else is a hub id. Folders are made
 * absolute because transformers.js reads a relative "a/b" as a hub id.
 */
export function resolveModelSource(model: string, requiredFiles: readonly string[], unavailable: (model: string, cause: string) => VisibleError): ModelSource {
  const folder = path.resolve(model);
  if (isDirectory(folder)) {
    const missing = requiredFiles.filter((file) => !existsSync(path.join(folder, file)));
    if (missing.length > 0) throw unavailable(model, `folder ${folder} lacks ${missing.join(", ")}`);
    return { location: folder, local: true };
  }
  const looksLikePath = path.isAbsolute(model) || model.startsWith(".") || model.startsWith("~") || model.includes("\\");
  if (looksLikePath) throw unavailable(model, `folder ${folder} does not exist`);
  return { location: model, local: false };
}

function isDirectory(folder: string): boolean {
  try {
    return statSync(folder).isDirectory();
  } catch {
    return false;
  }
}
