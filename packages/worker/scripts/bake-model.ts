/**
 * Puts the configured models into the worker image at build time, so tasks never download:
 *
 *   VOS_CLIP_MODEL=Xenova/clip-vit-base-patch32 VOS_MODEL_CACHE=/opt/vos/models \
 *     [VOS_CLIP_REVISION=<commit>] [VOS_CLIP_DTYPE=fp32] [VOS_CLIP_TEXT_DTYPE=q8] \
 *     node --import tsx packages/worker/scripts/bake-model.ts [--device cuda]
 *
 * Both CLIP halves' files at the configured revision and dtypes are fetched with fetchModelFiles
 * into VOS_MODEL_CACHE (transformers.js's cache layout; the worker embeds images, and the text
 * half is kept for whoever runs text searches with the image). Then the model is loaded from
 * there with downloads off, on the CPU, and a test embedding proves the files work. The worker
 * runs with the same VOS_CLIP_* settings and VOS_MODEL_CACHE and finds every file in place; it may
 * set VOS_MODEL_DOWNLOAD=off. A folder model is copied to `<VOS_MODEL_CACHE>/clip` (the worker's
 * VOS_CLIP_MODEL must then name that folder). A transformers.js detector (VOS_DETECTOR naming one;
 * the built-in CenterNet ships in npm) is downloaded into the same cache.
 *
 * `--device cuda` (the GPU image) checks that onnxruntime-node's CUDA provider library is
 * installed: with it, the worker's default VOS_CLIP_DEVICE=auto runs CLIP on CUDA, and on the CPU
 * (with a warning) where CUDA cannot start. Nothing in the model's files is changed for it.
 */
import path from "node:path";
import { createLogger, VisibleError } from "@vos/core";
import { loadCloudConfig } from "@vos/core/runtime/cloud";
import { loadObjectDetector } from "@vos/core/detector";
import { clipFiles, configureModelHub, cudaProviderInstalled, fetchModelFiles, loadClipEmbedder, modelFolder } from "@vos/core/embedder";

const log = createLogger({ script: "bake-model" });

async function main() {
  const device = process.argv.includes("--device") ? process.argv[process.argv.indexOf("--device") + 1] : "cpu";
  if (device !== "cpu" && device !== "cuda") throw new VisibleError("bake.device", `--device must be cpu or cuda, not ${device}`);
  const config = loadCloudConfig(process.env, "bake-model");
  if (!config.modelCacheDir) throw new VisibleError("config.invalid", "VOS_MODEL_CACHE is not set: the folder to download the models into (the worker reads the same variable).");
  if (device === "cuda" && !cudaProviderInstalled()) {
    throw new VisibleError("bake.device", "--device cuda: onnxruntime-node's CUDA provider library is not installed (ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js).");
  }
  const cacheDir = path.resolve(config.modelCacheDir);
  const { clipModel: model, clip } = config;
  const started = Date.now();

  const files = clipFiles({ halves: ["text", "vision"], textDtype: clip.textDtype, visionDtype: clip.visionDtype });
  // A folder model goes into a subfolder, so the detector's cache beside it stays apart.
  const folderCopy = modelFolder(model) ? path.join(cacheDir, "clip") : undefined;
  const fetched = await fetchModelFiles({
    model,
    revision: clip.revision,
    files,
    cacheDir: folderCopy ?? cacheDir,
    log: (event) => log.info(`model file ${event.event}`, { ...event }),
  });

  // The worker's way, with downloads off: what was fetched is all it needs.
  const embedder = await loadClipEmbedder({
    model: folderCopy ?? model,
    revision: clip.revision,
    textDtype: clip.textDtype,
    visionDtype: clip.visionDtype,
    allowDownload: false,
    device: "cpu",
    cacheDir,
  });
  const [text] = await embedder.embedTexts(["a photo of a cat"]);
  const [image] = await embedder.embedImages([{ data: new Uint8Array(224 * 224 * 3).fill(128), width: 224, height: 224 }]);
  if (text?.length !== embedder.dimension || image?.length !== embedder.dimension) throw new Error("the model produced vectors of the wrong size");
  log.info("clip model baked", {
    model,
    ...(folderCopy ? { runWith: `VOS_CLIP_MODEL=${folderCopy}` } : { revision: fetched.revision }),
    textDtype: clip.textDtype,
    visionDtype: clip.visionDtype,
    dimension: embedder.dimension,
    bytes: fetched.files.reduce((sum, f) => sum + f.bytes, 0),
    cacheDir,
    ms: Date.now() - started,
  });

  const detector = config.detector?.model.trim();
  if (detector && !/^centernet(-coco)?$/i.test(detector)) {
    await configureModelHub({ cacheDir, allowDownload: true });
    await loadObjectDetector({ model: detector });
    log.info("detector baked", { model: detector, cacheDir });
  }
  if (device === "cuda") log.info("CUDA provider installed: the worker runs CLIP on CUDA (VOS_CLIP_DEVICE=auto), on the CPU where CUDA cannot start");
  // transformers.js keeps ONNX sessions open: leave at once.
  process.exit(0);
}

main().catch((error: unknown) => {
  log.error("baking the model failed", { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
