import { TEST_MODEL_FILES, TEST_MODEL_NAME, writeTestClipModel } from "../../scripts/test-model.js";
import { cachedModel } from "./cached-model.js";

/**
 * The generated test CLIP model (colour words line up with colour frames), with its fp32, q8 and
 * fp16 files, cached in .cache/ under a name that changes with what it holds.
 */
export const testModelDir = cachedModel(TEST_MODEL_NAME, TEST_MODEL_FILES, (dir) => writeTestClipModel(dir));

/**
 * Another model that behaves alike (colour words find colours) in 24 dimensions, for switching
 * models. Its input is 256 px, above the 240 px short side of a 320x240 video's thumbnails, so a
 * re-index to it decodes the video again (reindex/decoded-images.ts).
 */
export const wideTestModelDir = cachedModel(`${TEST_MODEL_NAME}-24d-256`, TEST_MODEL_FILES, (dir) => writeTestClipModel(dir, { dimension: 24, seed: 7, imageSize: 256 }));
