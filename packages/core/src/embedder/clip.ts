/**
 * CLIP-family models through transformers.js: tokenizer + image processor + the text and vision
 * halves of an ONNX export (onnx/text_model.onnx, onnx/vision_model.onnx, or their fp16 and q8
 * variants) of CLIP or SigLIP (see architectures.ts). Hub ids and local folders go through the
 * same from_pretrained calls on a local folder; only where the files come from differs (see locate.ts).
 */
// Loaded on first use: transformers.js pulls in onnxruntime's native code, which processes that
// never embed (most Lambda functions) should not load at start-up.
import os from "node:os";
import path from "node:path";
import type { RawImage, Tensor } from "@huggingface/transformers";
import { VisibleError, errorMessage } from "../error.js";
import { createLogger } from "../log.js";
import { architectureOf, tokenize, type ModelConfig } from "./architectures.js";
import { firstDevice } from "./device.js";
import { clipFiles, DEFAULT_CLIP_MODEL, type ClipDtype, type ClipHalf } from "./files.js";
import { modelIdentity } from "./identity.js";
import { locateClip } from "./locate.js";
import { openSentenceText, textModelError, unitLength } from "./sentence-text.js";
import { modelUnavailable } from "./source.js";
import type { ClipEmbedderOptions, Embedder, ModelSource, RgbImage } from "./types.js";
import { memoise, memoiseByKey } from "../util/memo.js";

export { DEFAULT_CLIP_MODEL };
const DEFAULT_BATCH_SIZE = 16;
const log = createLogger({ module: "embedder" });

/** One load per process and options; a failed load is forgotten so the next call retries. */
export const loadClipEmbedder: (options: ClipEmbedderOptions) => Promise<Embedder> = memoiseByKey(createClipEmbedder, (options) =>
  JSON.stringify([
    options.model,
    options.revision ?? null,
    options.textDtype ?? options.dtype ?? "fp32",
    options.visionDtype ?? options.dtype ?? "fp32",
    options.allowDownload ?? true,
    options.endpoint ?? null,
    options.device ?? "auto",
    options.batchSize ?? DEFAULT_BATCH_SIZE,
    options.threads ?? null,
    options.cacheDir ?? null,
    options.textModel ? [options.textModel.model, options.textModel.revision ?? null, options.textModel.onnxFile ?? null, options.textModel.cacheDir ?? null, options.textModel.allowDownload ?? null] : null,
  ]),
);

/**
 * Process-wide transformers.js settings for the models it loads itself (a transformers.js
 * detector): their file cache, and, with downloads off, no hub at all. The embedder needs neither.
 */
export async function configureModelHub(options: { cacheDir?: string; allowDownload: boolean }): Promise<void> {
  const { env } = await import("@huggingface/transformers");
  if (options.cacheDir) env.cacheDir = options.cacheDir;
  if (!options.allowDownload) env.allowRemoteModels = false;
}

/**
 * The configuration is read at once (it proves the model is there and gives the dimension); each
 * half of the model loads on its first use. A worker only embeds images and the API mostly texts,
 * so neither pays for the half it does not use: the download on a cold start, the load time and
 * the memory. A half that fails to load is tried again on the next call.
 */
async function createClipEmbedder(options: ClipEmbedderOptions): Promise<Embedder> {
  const started = performance.now();
  const transformers = await import("@huggingface/transformers");
  const { AutoConfig, AutoImageProcessor, AutoTokenizer, RawImage, env } = transformers;
  const cacheDir = options.cacheDir ?? env.cacheDir ?? path.join(os.tmpdir(), "vos-models");
  const place = locateClip({ ...options, cacheDir });
  const dtypes: Record<ClipHalf, ClipDtype> = { text: options.textDtype ?? options.dtype ?? "fp32", vision: options.visionDtype ?? options.dtype ?? "fp32" };
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH_SIZE));
  const fileOptions = { local_files_only: true };
  const sessionOptions = options.threads ? { intraOpNumThreads: options.threads } : {};
  const where = { model: options.model, ...(place.revision ? { revision: place.revision } : {}) };

  await place.ensure(["config.json"], "config.json");
  const config = (await AutoConfig.from_pretrained(place.folder, fileOptions).catch((error: unknown) => {
    throw modelUnavailable(options.model, errorMessage(error));
  })) as ModelConfig;
  const architecture = architectureOf(options.model, config);
  // Another model's text tower (VOS_CLIP_TEXT_MODEL): its configuration and weights are read now,
  // so a text model that does not fit this CLIP model fails here, not at the first search.
  const asTextModelError = (error: unknown): never => {
    throw error instanceof VisibleError && error.code === "embedder.text_model_unavailable" ? error : textModelError(options.textModel!.model, errorMessage(error));
  };
  const textPlace = options.textModel
    ? locateClip({
        model: options.textModel.model,
        ...(options.textModel.revision ? { revision: options.textModel.revision } : {}),
        allowDownload: options.textModel.allowDownload ?? options.allowDownload ?? true,
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        cacheDir: options.textModel.cacheDir ?? cacheDir,
        unavailable: textModelError,
      })
    : undefined;
  const sentence = textPlace ? await openSentenceText(textPlace, options.textModel?.onnxFile).catch(asTextModelError) : undefined;
  const stated = architecture.dimension(config);
  if (sentence && stated !== undefined && sentence.dimension !== stated) {
    asTextModelError(new Error(`its vectors have ${sentence.dimension} values, the CLIP model's ${stated}: it was not made for ${options.model}`));
  }

  // CUDA that cannot start is tried once per embedder; the halves then load on the CPU.
  let cudaFailure: string | undefined;
  const onDevice = async <T>(load: (device: "cpu" | "cuda") => Promise<T>): Promise<[T, "cpu" | "cuda"]> => {
    if (firstDevice(options.device ?? "auto") === "cpu" || cudaFailure !== undefined) return [await load("cpu"), "cpu"];
    try {
      return [await load("cuda"), "cuda"];
    } catch (cudaError) {
      // A model the CPU cannot load either is broken, not the GPU: that error is the one to report.
      const model = await load("cpu");
      if (cudaFailure === undefined) {
        cudaFailure = errorMessage(cudaError).replace(/\x1b\[[0-9;]*m/g, "").trim();
        log.warn("CUDA could not start: CLIP runs on the CPU", { ...where, error: cudaFailure });
      }
      return [model, "cpu"];
    }
  };

  /** Loads the parts of one half together, once; a failure is reported and forgotten. */
  const half = <A, B>(name: ClipHalf, parts: () => [Promise<A>, Promise<[B, "cpu" | "cuda"]>]) =>
    memoise(async () => {
      const halfStarted = performance.now();
      const what = `${name} ${dtypes[name]}`;
      if (name === "text" && textPlace && sentence) await textPlace.ensure(sentence.files(dtypes.text), what).catch(asTextModelError);
      else await place.ensure(clipFiles({ halves: [name], textDtype: dtypes.text, visionDtype: dtypes.vision }), what);
      const settled = await Promise.allSettled(parts());
      const failed = settled.find((result) => result.status === "rejected");
      if (failed) {
        // Release an ONNX session that did load before reporting the part that did not.
        const session = settled[1]?.status === "fulfilled" ? settled[1].value[0] : undefined;
        if (session && typeof session === "object" && "dispose" in session) await (session as { dispose(): unknown }).dispose();
        if (name === "text" && textPlace) asTextModelError(new Error(`${what}: ${errorMessage(failed.reason)}`));
        throw modelUnavailable(options.model, `${what}: ${errorMessage(failed.reason)}`);
      }
      const [processor, [model, device]] = [fulfilled(settled[0]!), fulfilled(settled[1]!)];
      const tower = name === "text" && textPlace ? { textModel: textPlace.model, ...(textPlace.revision ? { textRevision: textPlace.revision } : {}) } : {};
      log.info(`clip ${name} encoder loaded`, { ...where, ...tower, local: !place.revision, dtype: dtypes[name], device, ms: Math.round(performance.now() - halfStarted) });
      return [processor, model] as [A, B];
    });
  const modelOptions = (name: ClipHalf, device: "cpu" | "cuda") => ({ ...fileOptions, dtype: dtypes[name], device, session_options: sessionOptions });
  const textHalf = half("text", () => [
    AutoTokenizer.from_pretrained(textPlace?.folder ?? place.folder, fileOptions),
    onDevice((device) =>
      textPlace && sentence
        ? transformers.AutoModel.from_pretrained(textPlace.folder, { ...modelOptions("text", device), ...sentenceFile(sentence.onnxFile(dtypes.text)) })
        : transformers[architecture.textClass].from_pretrained(place.folder, modelOptions("text", device)),
    ),
  ]);
  const visionHalf = half("vision", () => [
    AutoImageProcessor.from_pretrained(place.folder, fileOptions),
    onDevice((device) => transformers[architecture.visionClass].from_pretrained(place.folder, modelOptions("vision", device))),
  ]);

  /** The output that is the embedding; an export without it is not of the layout its config.json names. */
  const pick = (outputs: Record<string, Tensor>, name: string, what: ClipHalf): Tensor => {
    const tensor = outputs[name];
    if (tensor) return tensor;
    throw modelUnavailable(options.model, `its ${what} model (model_type '${architecture.modelType}') has no output '${name}', only ${Object.keys(outputs).join(", ")}`);
  };

  const embedTexts = async (texts: string[]): Promise<Float32Array[]> => {
    const [tokenizer, textModel] = await textHalf();
    const vectors: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += batchSize) {
      const batch = texts.slice(i, i + batchSize);
      if (sentence) {
        vectors.push(...(await sentence.embed(tokenizer, (inputs) => textModel(inputs) as Promise<Record<string, Tensor>>, batch)));
        continue;
      }
      const inputs = tokenize(architecture, config, tokenizer, batch);
      vectors.push(...normalisedRows(pick(await textModel(inputs), architecture.textOutput, "text")));
    }
    return vectors;
  };

  const embedImages = async (images: RgbImage[]): Promise<Float32Array[]> => {
    const [processor, visionModel] = await visionHalf();
    const vectors: Float32Array[] = [];
    for (let i = 0; i < images.length; i += batchSize) {
      const raws = images.slice(i, i + batchSize).map((image) => toRawImage(RawImage, image));
      const inputs = await processor(raws);
      vectors.push(...normalisedRows(pick(await visionModel(inputs), architecture.imageOutput, "vision")));
    }
    return vectors;
  };

  // Exports that leave the vector length at its default omit it from config.json: measure instead.
  const dimension = stated ?? (await embedTexts([""]))[0]!.length;

  const identity = await modelIdentity({ model: options.model, revision: place.revision, folder: place.folder, textDtype: dtypes.text, visionDtype: dtypes.vision, cacheDir });
  log.info("clip model ready", { ...where, local: !place.revision, architecture: architecture.modelType, dimension, identity: identity.key, ms: Math.round(performance.now() - started) });
  // A folder is recorded absolute: another process may start elsewhere.
  const source: ModelSource = { model: place.revision ? options.model : path.resolve(place.folder), revision: place.revision ?? null, textDtype: dtypes.text, visionDtype: dtypes.vision };
  const inputSize = Number(config.vision_config?.image_size) || 224;
  return { model: options.model, ...(textPlace ? { textModel: textPlace.model } : {}), source, identity, dimension, inputSize, embedImages, embedTexts };
}

/** transformers.js's name for an ONNX file of the onnx/ folder: without folder and extension, at the dtype that adds no suffix. */
const sentenceFile = (file: string) => ({ model_file_name: path.posix.basename(file, ".onnx"), dtype: "fp32" as const });

function fulfilled<T>(result: PromiseSettledResult<T>): T {
  if (result.status === "rejected") throw result.reason;
  return result.value;
}

function toRawImage(Raw: typeof RawImage, image: RgbImage): RawImage {
  if (image.data.length !== image.width * image.height * 3) {
    throw new VisibleError(
      "image.invalid",
      `Image data has ${image.data.length} bytes; ${image.width}x${image.height} rgb24 needs ${image.width * image.height * 3}.`,
      415,
    );
  }
  return new Raw(image.data, image.width, image.height, 3);
}

/** Splits a [batch, dim] output into unit-length rows (cosine similarity becomes a dot product). */
function normalisedRows(output: Tensor): Float32Array[] {
  // An fp16 export may answer in float16.
  const tensor = output.type === "float32" ? output : output.to("float32");
  const [rows, dim] = tensor.dims as [number, number];
  const data = tensor.data as Float32Array;
  const result: Float32Array[] = [];
  for (let r = 0; r < rows; r++) result.push(unitLength(data.slice(r * dim, (r + 1) * dim)));
  return result;
}
