/**
 * Downloads the configured models into the worker image at build time, so tasks never download
 * at start:
 *
 *   VOS_CLIP_MODEL=Xenova/clip-vit-base-patch32 VOS_MODEL_CACHE=/opt/vos/models \
 *     node --import tsx packages/worker/scripts/bake-model.ts [--device cuda]
 *
 * The CLIP model (and a transformers.js detector, when VOS_DETECTOR names one; the built-in
 * CenterNet ships in npm) is loaded once through the same code the worker uses, which fills
 * transformers.js's file cache in VOS_MODEL_CACHE; a test embedding proves the files work. With
 * `--device cuda` the cached model config asks ONNX Runtime for its CUDA execution provider
 * (the GPU image), after the CPU check. The worker then runs with the same VOS_CLIP_MODEL and
 * VOS_MODEL_CACHE and finds every file in the cache.
 */
import { readFile, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { createLogger, VisibleError } from "@vos/core";
import { loadCloudConfig } from "@vos/core/cloud";
import { loadObjectDetector } from "@vos/core/detector";
import { loadClipEmbedder } from "@vos/core/embedder";

const log = createLogger({ script: "bake-model" });

async function main() {
  const device = process.argv.includes("--device") ? process.argv[process.argv.indexOf("--device") + 1] : "cpu";
  if (device !== "cpu" && device !== "cuda") throw new VisibleError("bake.device", `--device must be cpu or cuda, not ${device}`);
  const config = loadCloudConfig(process.env, "bake-model");
  if (!config.modelCacheDir) throw new VisibleError("config.invalid", "VOS_MODEL_CACHE is not set: the folder to download the models into (the worker reads the same variable).");
  const cacheDir = path.resolve(config.modelCacheDir);
  const started = Date.now();

  const embedder = await loadClipEmbedder({ model: config.clipModel, cacheDir });
  const [text] = await embedder.embedTexts(["a photo of a cat"]);
  const [image] = await embedder.embedImages([{ data: new Uint8Array(224 * 224 * 3).fill(128), width: 224, height: 224 }]);
  if (text?.length !== embedder.dimension || image?.length !== embedder.dimension) throw new Error("the model produced vectors of the wrong size");
  log.info("clip model baked", { model: config.clipModel, dimension: embedder.dimension, cacheDir, ms: Date.now() - started });

  const detector = config.detector?.model.trim();
  if (detector && !/^centernet(-coco)?$/i.test(detector)) {
    // transformers.js caches every model in the folder the embedder set (its cache is global).
    await loadObjectDetector({ model: detector });
    log.info("detector baked", { model: detector });
  }

  if (device === "cuda") {
    // A hub model's files sit in the cache under its id; a folder model is read in place.
    const folder = path.resolve(config.clipModel);
    const local = await stat(folder).then((info) => info.isDirectory(), () => false);
    const file = local ? path.join(folder, "config.json") : path.join(cacheDir, config.clipModel, "config.json");
    const json = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    const current = (json["transformers.js_config"] ?? {}) as Record<string, unknown>;
    json["transformers.js_config"] = { ...current, device: "cuda" };
    await writeFile(file, JSON.stringify(json, null, 2));
    log.info("model set to run on the CUDA execution provider", { config: file });
  }

  const files = await listFiles(cacheDir);
  log.info("model cache ready", { files: files.length, cacheDir });
  // transformers.js keeps ONNX sessions open: leave at once.
  process.exit(0);
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

main().catch((error: unknown) => {
  log.error("baking the model failed", { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
