/**
 * Another model's text tower (VOS_CLIP_TEXT_MODEL): a sentence-transformers text model in the hub
 * layout of clip-ViT-B-32-multilingual-v1, generated for the test CLIP model. It searches an
 * ingested library in other languages without a re-index (the library's model is unchanged), and
 * each layout the loader cannot run, or a text model made for another CLIP model, is refused at
 * start, naming why.
 */
import { existsSync } from "node:fs";
import { cp, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_TEXT_MODEL_FILES, TEST_TEXT_MODEL_NAME, writeTestTextModel } from "../scripts/test-text-model.js";
import { loadConfig } from "../src/config.js";
import { loadClipEmbedder } from "../src/embedder/index.js";
import { modelLoaders } from "../src/runtime/shared.js";
import { startEmbeddedRuntime, type EmbeddedRuntime } from "../src/runtime/embedded/embedded.js";
import * as Library from "../src/library/index.js";
import * as Search from "../src/search/index.js";
import * as Video from "../src/video/index.js";
import { cachedModel } from "./support/cached-model.js";
import { startHubServer, type HubServer } from "./support/hub-server.js";
import { queueVideo } from "./support/queue-video.js";
import { testModelDir } from "./support/test-model.js";
import { colourVideo, COLOUR_SEGMENTS } from "./support/videos.js";
import { waitFor } from "./support/wait-for.js";

const textModelDir = cachedModel(TEST_TEXT_MODEL_NAME, TEST_TEXT_MODEL_FILES, (dir) => writeTestTextModel(dir));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vos-text-model-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
const refused = (detail: string | RegExp) => expect.objectContaining({ code: "embedder.text_model_unavailable", status: 503, message: expect.stringMatching(detail) });

describe("a text tower from a sentence-transformers model", () => {
  it("puts other languages' words where the CLIP model puts the English ones, keeping the model's identity", async () => {
    const model = await testModelDir();
    const own = await loadClipEmbedder({ model, cacheDir: dir });
    const multilingual = await loadClipEmbedder({ model, cacheDir: dir, textModel: { model: await textModelDir() } });
    expect(multilingual.identity).toEqual(own.identity);
    expect(multilingual.dimension).toBe(own.dimension);
    expect(multilingual.textModel).toBe(await textModelDir());

    const [red, blue] = await own.embedTexts(["a red image", "a blue image"]);
    const [rouge, blau, rojo, ownRouge] = [...(await multilingual.embedTexts(["une image rouge", "ein Bild in BLAU", "una imagen roja"])), ...(await own.embedTexts(["une image rouge"]))];
    expect(dot(rouge!, red!)).toBeCloseTo(1, 5);
    expect(dot(blau!, blue!)).toBeCloseTo(1, 5);
    // "roja" is not a word it knows: the text has no colour, like any unknown word.
    expect(dot(rojo!, red!)).toBeLessThan(0.5);
    // The CLIP model's own tower does not know French.
    expect(dot(ownRouge!, red!)).toBeLessThan(0.5);
    // Images are the CLIP model's own.
    const pixel = { width: 2, height: 2, data: new Uint8Array([255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0]) };
    expect(dot((await multilingual.embedImages([pixel]))[0]!, (await own.embedImages([pixel]))[0]!)).toBeCloseTo(1, 6);
  });

  it("runs another ONNX file of its onnx/ folder when told to (a repository's quantised export)", async () => {
    const copy = path.join(dir, "named-export");
    await cp(await textModelDir(), copy, { recursive: true });
    await rename(path.join(copy, "onnx", "model.onnx"), path.join(copy, "onnx", "model_quint8_avx2.onnx"));
    const model = await testModelDir();
    const [red] = await (await loadClipEmbedder({ model, cacheDir: dir })).embedTexts(["a red image"]);
    const named = await loadClipEmbedder({ model, cacheDir: dir, textModel: { model: copy, onnxFile: "onnx/model_quint8_avx2.onnx" } });
    expect(dot((await named.embedTexts(["rouge"]))[0]!, red!)).toBeCloseTo(1, 5);
    const unnamed = await loadClipEmbedder({ model, cacheDir: dir, textModel: { model: copy } });
    await expect(unnamed.embedTexts(["rouge"])).rejects.toMatchObject({ code: "embedder.text_model_unavailable", message: expect.stringContaining("onnx/model.onnx") });
  });

  it("searches a library in French and German without a re-index", async () => {
    const data = path.join(dir, "data");
    const settings = { VOS_DATA_DIR: data, VOS_CLIP_MODEL: await testModelDir(), VOS_DETECTOR: "off", VOS_LOG_LEVEL: "silent" };
    const ingest = await startEmbeddedRuntime(loadConfig(settings), { workers: true });
    let rt: EmbeddedRuntime | undefined;
    try {
      const { videoId } = await queueVideo(ingest.services, await colourVideo(), "colours.mp4");
      const done = await waitFor(() => Video.get(ingest.services, "local", videoId), (view) => view.status === "ready" || view.status === "failed", 120_000);
      expect(done.status).toBe("ready");
      await ingest.close();

      rt = await startEmbeddedRuntime(loadConfig({ ...settings, VOS_CLIP_TEXT_MODEL: await textModelDir() }), { workers: false });
      const best = async (text: string) => (await Search.text(rt!.services, "local", { text, kinds: ["frame"], limit: 1 }))[0]!;
      const segment = (name: string) => COLOUR_SEGMENTS.find((s) => s.name === name)!;
      for (const [text, colour] of [["une image rouge", "red"], ["ein Bild in Grün", "green"], ["una imagen azul", "blue"]] as const) {
        const hit = await best(text);
        expect(hit.videoId, text).toBe(videoId);
        expect(hit.timeSec, text).toBeGreaterThanOrEqual(segment(colour).startSec);
        expect(hit.timeSec, text).toBeLessThan(segment(colour).endSec);
      }
      // Nothing moved: the video is still on the library's model, and nothing waits for a re-index.
      expect((await Video.get(rt.services, "local", videoId)).model).toEqual(done.model);
      expect(await Library.reindexStatus(rt.services, "local")).toMatchObject({ model: done.model, configured: done.model, toMove: 0, textModel: await textModelDir() });
    } finally {
      await rt?.close();
      await ingest.close().catch(() => undefined);
    }
  }, 180_000);
});

/** Runs `test` with the hub-protocol server serving `folder` as `model` (VOS_HF_ENDPOINT points at it meanwhile). */
async function withHub(model: string, revision: string, folder: string, test: (hub: HubServer) => Promise<void>): Promise<void> {
  const hub = await startHubServer(model, [revision], folder);
  const previous = process.env.VOS_HF_ENDPOINT;
  process.env.VOS_HF_ENDPOINT = hub.endpoint;
  try {
    await test(hub);
  } finally {
    if (previous === undefined) delete process.env.VOS_HF_ENDPOINT;
    else process.env.VOS_HF_ENDPOINT = previous;
    await hub.close();
  }
}

describe("a hub text model where the deployment ships only the CLIP model (the API on AWS)", () => {
  it("is downloaded into VOS_MODEL_DOWNLOAD_DIR on first use while the shipped model's downloads stay off", async () => {
    await withHub("vos/clip-colours-multilingual", "main", await textModelDir(), async (hub) => {
      const downloads = path.join(dir, "downloads");
      const shipped = { VOS_CLIP_MODEL: await testModelDir(), VOS_MODEL_DOWNLOAD: "off", VOS_CLIP_TEXT_MODEL: "vos/clip-colours-multilingual" };
      // Without a download folder the text model is not there, and may not be fetched.
      await expect(modelLoaders(loadConfig(shipped), path.join(dir, "no-cache")).embedder()).rejects.toEqual(refused(/text model configuration: downloads are off \(VOS_MODEL_DOWNLOAD=off, and no VOS_MODEL_DOWNLOAD_DIR\) and .* lacks modules\.json/));
      expect(hub.requests).toEqual([]);

      const embedder = await modelLoaders(loadConfig({ ...shipped, VOS_MODEL_DOWNLOAD_DIR: downloads }), path.join(dir, "no-cache")).embedder();
      const [rouge] = await embedder.embedTexts(["rouge"]);
      const [red] = await (await loadClipEmbedder({ model: await testModelDir(), cacheDir: dir })).embedTexts(["red"]);
      expect(dot(rouge!, red!)).toBeCloseTo(1, 5);
      expect(hub.requests.filter((r) => r.method === "GET").map((r) => r.file).sort()).toEqual([...TEST_TEXT_MODEL_FILES].sort());
      expect(existsSync(path.join(downloads, "vos", "clip-colours-multilingual", "2_Dense", "model.safetensors"))).toBe(true);
    });
  });

  it("a library's earlier hub model loads there too (searches during a re-index), the configured one never downloads", async () => {
    await withHub("vos/clip-colours", "0123456789abcdef0123456789abcdef01234567", await testModelDir(), async (hub) => {
      const downloads = path.join(dir, "earlier");
      const loaders = modelLoaders(loadConfig({ VOS_CLIP_MODEL: "vos/clip-colours", VOS_CLIP_TEXT_DTYPE: "q8", VOS_MODEL_DOWNLOAD: "off", VOS_MODEL_DOWNLOAD_DIR: downloads, VOS_DETECTOR: "off" }), path.join(dir, "shipped"));
      await expect(loaders.embedder()).rejects.toMatchObject({ code: "embedder.model_unavailable", message: expect.stringContaining("downloads are off") });
      expect(hub.requests).toEqual([]);
      // Recorded by a worker at fp32; a search here takes the server's q8 text files.
      const earlier = await loaders.embedder({ model: "vos/clip-colours", revision: "0123456789abcdef0123456789abcdef01234567", textDtype: "fp32", visionDtype: "fp32" });
      expect(earlier.identity.key).toBe("vos/clip-colours@0123456789abcdef0123456789abcdef01234567");
      const [red] = await earlier.embedTexts(["a red image"]);
      expect(red).toHaveLength(16);
      // Only what a text search needs: the configuration and the text half.
      expect(hub.requests.filter((r) => r.method === "GET").map((r) => r.file).sort()).toEqual(["config.json", "onnx/text_model_quantized.onnx", "tokenizer.json", "tokenizer_config.json"]);
      expect(existsSync(path.join(downloads, "vos", "clip-colours", "0123456789abcdef0123456789abcdef01234567", "onnx", "text_model_quantized.onnx"))).toBe(true);
    });
  });
});

describe("text models the loader refuses", () => {
  /** A copy of the generated text model with one file changed. */
  const variant = async (name: string, file: string, contents: unknown) => {
    const copy = path.join(dir, name);
    await cp(await textModelDir(), copy, { recursive: true });
    await writeFile(path.join(copy, file), typeof contents === "string" ? contents : JSON.stringify(contents));
    return copy;
  };
  const load = async (textModel: string, extra: { textDtype?: "q8" } = {}) => loadClipEmbedder({ model: await testModelDir(), cacheDir: dir, textModel: { model: textModel }, ...extra });

  it("one made for another CLIP model (another vector length)", async () => {
    const other = path.join(dir, "made-for-24d");
    await writeTestTextModel(other, { dimension: 24, seed: 7 });
    await expect(load(other)).rejects.toEqual(refused(/its vectors have 24 values, the CLIP model's 16/));
  });

  it("max pooling, another activation, another module, a Transformer not at the root", async () => {
    const pooling = { word_embedding_dimension: 11, pooling_mode_cls_token: false, pooling_mode_mean_tokens: false, pooling_mode_max_tokens: true };
    await expect(load(await variant("max-pooling", "1_Pooling/config.json", pooling))).rejects.toEqual(refused(/pooling \(pooling_mode_max_tokens\) is not mean or CLS token pooling/));
    const relu = { in_features: 11, out_features: 16, bias: false, activation_function: "torch.nn.modules.activation.ReLU" };
    await expect(load(await variant("relu", "2_Dense/config.json", relu))).rejects.toEqual(refused(/activation torch\.nn\.modules\.activation\.ReLU; Identity and Tanh load/));
    const modules = [
      { idx: 0, name: "0", path: "", type: "sentence_transformers.models.Transformer" },
      { idx: 1, name: "1", path: "1_Pooling", type: "sentence_transformers.models.Pooling" },
      { idx: 2, name: "2", path: "2_Dense", type: "sentence_transformers.models.LayerNorm" },
    ];
    await expect(load(await variant("layer-norm", "modules.json", modules))).rejects.toEqual(refused(/module LayerNorm at 2_Dense is not one this loader runs/));
    const nested = [{ idx: 0, name: "0", path: "0_Transformer", type: "sentence_transformers.models.Transformer" }];
    await expect(load(await variant("nested", "modules.json", nested))).rejects.toEqual(refused(/does not start with a Transformer at the model's root/));
  });

  it("dense weights of the wrong shape or kind, and missing files", async () => {
    const wide = { in_features: 11, out_features: 12, bias: false, activation_function: "torch.nn.modules.linear.Identity" };
    await expect(load(await variant("wrong-shape", "2_Dense/config.json", wide))).rejects.toEqual(refused(/weights 16x11, not 12x11/));
    const biased = { in_features: 11, out_features: 16, bias: true, activation_function: "torch.nn.modules.linear.Identity" };
    await expect(load(await variant("no-bias-tensor", "2_Dense/config.json", biased))).rejects.toEqual(refused(/has no tensor 'linear\.bias' \(it has linear\.weight\)/));
    await expect(load(await variant("damaged", "2_Dense/model.safetensors", "not safetensors"))).rejects.toEqual(refused(/header claims/));
    // Said of the text model, not in the CLIP model's words.
    await expect(load(path.join(dir, "no-such-folder"))).rejects.toEqual(refused(/^Could not load the text model '.*no-such-folder' \(VOS_CLIP_TEXT_MODEL\): folder .*no-such-folder does not exist\. It must be/));
    await expect(loadClipEmbedder({ model: await testModelDir(), cacheDir: dir, textModel: { model: await textModelDir(), onnxFile: "onnx/../../model.onnx" } })).rejects.toEqual(refused(/is not an ONNX file of its onnx\/ folder/));
    // A dtype whose ONNX file the text model lacks fails on the first text, naming the file.
    const q8 = await load(await textModelDir(), { textDtype: "q8" });
    await expect(q8.embedTexts(["rouge"])).rejects.toEqual(refused(/onnx\/model_quantized\.onnx/));
  });
});
