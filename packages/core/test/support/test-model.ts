import { TEST_MODEL_FILES, TEST_MODEL_NAME, writeTestClipModel } from "../../scripts/test-model.js";
import { cachedModel } from "./cached-model.js";

/**
 * The generated test CLIP model (colour words line up with colour frames), with its fp32, q8 and
 * fp16 files, cached in .cache/ under a name that changes with what it holds.
 */
export const testModelDir = cachedModel(TEST_MODEL_NAME, TEST_MODEL_FILES, writeTestClipModel);
