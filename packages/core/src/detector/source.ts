/** Where a configured transformers.js detector comes from, and the error when it cannot load. */
import { VisibleError } from "../error.js";
import { resolveModelSource, type ModelSource } from "../util/model-source.js";

/** What the transformers.js adapter reads from a folder: the fp32 export of a DETR or YOLOS model. */
export const DETECTOR_FILES = ["config.json", "preprocessor_config.json", "onnx/model.onnx"];

/** An existing folder with the fp32 export, or a hub id (see resolveModelSource). */
export function resolveDetectorSource(model: string): ModelSource {
  return resolveModelSource(model, DETECTOR_FILES, (name, cause) => detectorUnavailable(name, cause));
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
