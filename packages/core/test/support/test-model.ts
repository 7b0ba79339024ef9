import { TEST_MODEL_NAME, writeTestClipModel } from "../../scripts/test-model.js";
import { cachedModel } from "./cached-model.js";

/** The generated test CLIP model (colour words line up with colour frames), cached in .cache/. */
export const testModelDir = cachedModel(
  TEST_MODEL_NAME,
  ["config.json", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json", "onnx/text_model.onnx", "onnx/vision_model.onnx"],
  writeTestClipModel,
);
