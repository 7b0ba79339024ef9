/**
 * The API's model layer: both halves of the CLIP model, or its vision half alone when another
 * model's text tower embeds the texts (VOS_CLIP_TEXT_MODEL downloads into /tmp instead), kept
 * apart by their folders so a deploy never reuses the other's.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testModelDir } from "../../packages/core/test/support/test-model.js";
import { buildClipLayer } from "../model-layer.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "vos-model-layer-"));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name))).sort();
}

describe("the API's model layer", () => {
  it("ships both halves by default, and only the vision half when another model embeds the texts", async () => {
    const model = await testModelDir();
    const both = await buildClipLayer({ model, revision: "", dtype: "q8", root, offline: false });
    const vision = await buildClipLayer({ model, revision: "", dtype: "q8", halves: ["vision"], root, offline: false });
    expect(vision.dir).not.toBe(both.dir);
    const name = path.basename(model);
    expect(await filesUnder(both.dir)).toEqual(
      ["config.json", "onnx/text_model_quantized.onnx", "onnx/vision_model_quantized.onnx", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json"].map((file) => path.join("models", name, file)).sort(),
    );
    expect(await filesUnder(vision.dir)).toEqual(["config.json", "onnx/vision_model_quantized.onnx", "preprocessor_config.json"].map((file) => path.join("models", name, file)).sort());
    expect(vision.bytes).toBeLessThan(both.bytes);
    expect(vision.environment).toEqual(both.environment);
  });
});
