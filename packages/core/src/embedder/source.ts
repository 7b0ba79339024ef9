/** Where a configured CLIP model comes from: a folder on disk or a Hugging Face hub id. */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { VisibleError } from "../error.js";

/** The files loadClipEmbedder reads from a folder (the fp32 ONNX pair every CLIP export ships). */
const LOCAL_FILES = [
  "config.json",
  "tokenizer.json",
  "tokenizer_config.json",
  "preprocessor_config.json",
  "onnx/text_model.onnx",
  "onnx/vision_model.onnx",
];

export interface ModelSource {
  /** What transformers.js is given: an absolute folder path or a hub id. */
  location: string;
  local: boolean;
}

/**
 * An existing folder (absolute or relative to cwd) is loaded from disk with downloads off; anything
 * that is clearly a path but missing fails at once; everything else is a hub id. Folders are made
 * absolute because transformers.js reads a relative "a/b" as a hub id under env.localModelPath.
 */
export function resolveModelSource(model: string): ModelSource {
  const folder = path.resolve(model);
  if (isDirectory(folder)) {
    // Checked here because transformers.js remembers "file missing" for the whole process.
    const missing = LOCAL_FILES.filter((file) => !existsSync(path.join(folder, file)));
    if (missing.length > 0) throw modelUnavailable(model, `folder ${folder} lacks ${missing.join(", ")}`);
    return { location: folder, local: true };
  }
  const looksLikePath = path.isAbsolute(model) || model.startsWith(".") || model.startsWith("~") || model.includes("\\");
  if (looksLikePath) throw modelUnavailable(model, `folder ${folder} does not exist`);
  return { location: model, local: false };
}

function isDirectory(folder: string): boolean {
  try {
    return statSync(folder).isDirectory();
  } catch {
    return false;
  }
}

export function modelUnavailable(model: string, cause: string): VisibleError {
  return new VisibleError(
    "embedder.model_unavailable",
    `Could not load CLIP model '${model}' (${cause}). Set VOS_CLIP_MODEL to a local folder with a CLIP ONNX ` +
      "export, or check network access to the Hugging Face hub.",
    503,
    false,
  );
}
