import { TEST_MODEL_FILES, TEST_MODEL_NAME, writeTestClipModel } from "../../scripts/test-model.js";
import { cachedModel } from "./cached-model.js";

/**
 * The generated test CLIP model (colour words line up with colour frames), with its fp32, q8 and
 * fp16 files, cached in .cache/ under a name that changes with what it holds.
 */
export const testModelDir = cachedModel(TEST_MODEL_NAME, TEST_MODEL_FILES, (dir) => writeTestClipModel(dir));

/** Another model that behaves alike (colour words find colours) in 24 dimensions: for switching models. */
export const wideTestModelDir = cachedModel(`${TEST_MODEL_NAME}-24d`, TEST_MODEL_FILES, (dir) => writeTestClipModel(dir, { dimension: 24, seed: 7 }));
