/** Where a configured transformers.js detector comes from, and the error when it cannot load. */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { VisibleError } from "../error.js";

/** What the transformers.js adapter reads from a folder: the fp32 export of a DETR or YOLOS model. */
export const DETECTOR_FILES = ["config.json", "preprocessor_config.json", "onnx/model.onnx"];

export interface DetectorSource {
  /** What transformers.js is given: an absolute folder path or a hub id. */
  location: string;
  local: boolean;
}

/**
 * An existing folder (absolute or relative to cwd) is read from disk with downloads off; anything
 * that is clearly a path but missing fails at once; everything else is a hub id. Folders are made
 * absolute because transformers.js reads a relative "a/b" as a hub id.
 */
export function resolveDetectorSource(model: string): DetectorSource {
  const folder = path.resolve(model);
  if (isDirectory(folder)) {
    const missing = DETECTOR_FILES.filter((file) => !existsSync(path.join(folder, file)));
    if (missing.length > 0) throw detectorUnavailable(model, `folder ${folder} lacks ${missing.join(", ")}`);
    return { location: folder, local: true };
  }
  const looksLikePath = path.isAbsolute(model) || model.startsWith(".") || model.startsWith("~") || model.includes("\\");
  if (looksLikePath) throw detectorUnavailable(model, `folder ${folder} does not exist`);
  return { location: model, local: false };
}

function isDirectory(folder: string): boolean {
  try {
    return statSync(folder).isDirectory();
  } catch {
    return false;
  }
}

/** What to do when the built-in CenterNet model cannot load. */
export const CENTERNET_FIX = "reinstall the dependencies (npm ci), or set VOS_DETECTOR=off to ingest videos without objects";

export function detectorUnavailable(model: string, cause: string, fix?: string): VisibleError {
  const advice =
    fix ??
    "set VOS_DETECTOR to a local folder with a DETR or YOLOS ONNX export (config.json, preprocessor_config.json, " +
      "onnx/model.onnx), to \"centernet\" (built in, works offline), or check network access to the Hugging Face hub";
  return new VisibleError("detector.model_unavailable", `Could not load object detector '${model}' (${cause}). To fix it, ${advice}.`, 503, false);
}
