/** Where a configured CLIP model comes from: a folder on disk or a Hugging Face hub id. */
import { VisibleError } from "../error.js";
import { resolveModelSource, type ModelSource } from "../util/model-source.js";

/** The files loadClipEmbedder reads from a folder (the fp32 ONNX pair every CLIP export ships). */
const LOCAL_FILES = [
  "config.json",
  "tokenizer.json",
  "tokenizer_config.json",
  "preprocessor_config.json",
  "onnx/text_model.onnx",
  "onnx/vision_model.onnx",
];

/** A CLIP folder with the ONNX pair, or a hub id (see resolveModelSource). */
export function resolveClipSource(model: string): ModelSource {
  return resolveModelSource(model, LOCAL_FILES, modelUnavailable);
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
