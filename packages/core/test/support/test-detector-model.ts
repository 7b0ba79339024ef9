import { TEST_DETECTOR_MODEL_NAME, writeTestDetectorModel } from "../../scripts/test-detector-model.js";
import { cachedModel } from "./cached-model.js";

/** The generated DETR-layout test detector, cached in .cache/. */
export const testDetectorModelDir = cachedModel(TEST_DETECTOR_MODEL_NAME, ["config.json", "preprocessor_config.json", "onnx/model.onnx"], writeTestDetectorModel);
