/**
 * A text tower from another model (VOS_CLIP_TEXT_MODEL), for searching in other languages: a
 * sentence-transformers text model trained to put a text where the CLIP model's own text tower
 * puts its English meaning (multilingual knowledge distillation). The reference pair is
 * sentence-transformers/clip-ViT-B-32-multilingual-v1 (DistilBERT, 50+ languages) with ViT-B/32.
 * Images stay the CLIP model's, so the vectors a library holds are unchanged: turning the text
 * tower on or off needs no re-index, and the library's model identity stays the CLIP model's.
 *
 * The layout is the hub repository's own: modules.json names a Transformer at the root (its ONNX
 * export at onnx/model.onnx, `_fp16` / `_quantized` for the other dtypes; config.json, the
 * tokenizer, sentence_bert_config.json's max_seq_length), then a Pooling module (mean or CLS
 * token), any number of Dense modules (weights in <path>/model.safetensors) and an optional
 * Normalize. Anything else is refused by name, so a model whose vectors this code would get
 * wrong never loads.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { PreTrainedTokenizer, Tensor } from "@huggingface/transformers";
import { VisibleError } from "../error.js";
import { DTYPE_SUFFIX, type ClipDtype } from "./files.js";
import type { ClipLocation } from "./locate.js";
import { readSafetensors } from "./safetensors.js";

/** The transformer's ONNX file at a dtype, as transformers.js names a feature extractor's. */
export const sentenceOnnxFile = (dtype: ClipDtype) => `onnx/model${DTYPE_SUFFIX[dtype]}.onnx`;

/**
 * Another ONNX file of the repository's `onnx/` folder (VOS_CLIP_TEXT_ONNX): sentence-transformers
 * repositories name their quantised exports by target (`onnx/model_quint8_avx2.onnx`), not as
 * transformers.js's dtypes do.
 */
export const isSentenceOnnxFile = (file: string) => /^onnx\/[A-Za-z0-9][\w.-]*\.onnx$/.test(file) && !file.includes("..");

/** Files the text tower reads before it runs: what shapes its vectors. */
export const SENTENCE_CONFIG_FILES = ["modules.json", "config.json", "sentence_bert_config.json"] as const;

interface DenseLayer {
  inputs: number;
  outputs: number;
  /** Row-major [outputs, inputs], as torch's Linear keeps it. */
  weight: Float32Array;
  bias: Float32Array | undefined;
  activation: "identity" | "tanh";
}

export interface SentenceText {
  /** Length of the vectors it makes. */
  dimension: number;
  /** The ONNX file it runs: VOS_CLIP_TEXT_ONNX, else the one of `dtype`. */
  onnxFile(dtype: ClipDtype): string;
  /** Files the running half needs (tokenizer and ONNX file). */
  files(dtype: ClipDtype): string[];
  /** Token embeddings -> one L2-normalised vector per text. */
  embed(tokenizer: PreTrainedTokenizer, model: (inputs: Record<string, Tensor>) => Promise<Record<string, Tensor>>, texts: string[]): Promise<Float32Array[]>;
}

export const textModelError = (model: string, cause: string) =>
  new VisibleError(
    "embedder.text_model_unavailable",
    `Could not load the text model '${model}' (VOS_CLIP_TEXT_MODEL): ${cause}. It must be a sentence-transformers text model in its hub layout ` +
      "(modules.json, an ONNX export at onnx/model.onnx, Pooling and Dense modules) made for the CLIP model (VOS_CLIP_MODEL).",
    503,
    false,
  );

const MODULE = "sentence_transformers.models.";
const ACTIVATIONS: Record<string, DenseLayer["activation"]> = { "torch.nn.modules.linear.Identity": "identity", "torch.nn.modules.activation.Tanh": "tanh" };

/** Reads the modules' configurations and weights (the small files: `place.ensure` fetches them). */
export async function openSentenceText(place: ClipLocation, onnxFile?: string): Promise<SentenceText> {
  const fail = (cause: string) => textModelError(place.model, cause);
  if (onnxFile !== undefined && !isSentenceOnnxFile(onnxFile)) throw fail(`'${onnxFile}' is not an ONNX file of its onnx/ folder`);
  await place.ensure(SENTENCE_CONFIG_FILES, "text model configuration");
  const json = async (file: string) => JSON.parse(await readFile(path.join(place.folder, file), "utf8")) as Record<string, unknown>;
  const modules = (await json("modules.json")) as unknown as { path?: string; type?: string }[];
  if (!Array.isArray(modules) || modules.length === 0) throw fail("modules.json lists no modules");
  const [first, ...rest] = modules;
  if (first?.type !== `${MODULE}Transformer` || (first.path ?? "") !== "") throw fail("modules.json does not start with a Transformer at the model's root");
  const maxLength = Number((await json("sentence_bert_config.json")).max_seq_length) || 128;

  let pooling: "mean" | "cls" | undefined;
  let normalize = false;
  let dimension = 0;
  const dense: DenseLayer[] = [];
  for (const module of rest) {
    const type = module.type?.startsWith(MODULE) ? module.type.slice(MODULE.length) : module.type;
    const folder = module.path ?? "";
    if (type === "Pooling" && pooling === undefined) {
      await place.ensure([`${folder}/config.json`], "text model pooling");
      const config = await json(`${folder}/config.json`);
      const modes = Object.entries(config).filter(([key, on]) => key.startsWith("pooling_mode_") && on === true).map(([key]) => key);
      if (modes.length !== 1 || !["pooling_mode_mean_tokens", "pooling_mode_cls_token"].includes(modes[0]!)) throw fail(`its pooling (${modes.join(", ") || "none"}) is not mean or CLS token pooling`);
      pooling = modes[0] === "pooling_mode_cls_token" ? "cls" : "mean";
      dimension = Number(config.word_embedding_dimension) || 0;
    } else if (type === "Dense" && pooling !== undefined && !normalize) {
      await place.ensure([`${folder}/config.json`, `${folder}/model.safetensors`], "text model dense layer");
      const config = await json(`${folder}/config.json`);
      const activation = ACTIVATIONS[String(config.activation_function)];
      if (!activation) throw fail(`its dense layer ${folder} has activation ${String(config.activation_function)}; Identity and Tanh load`);
      const [inputs, outputs, bias] = [Number(config.in_features), Number(config.out_features), config.bias !== false];
      if (dimension && inputs !== dimension) throw fail(`its dense layer ${folder} takes ${inputs} values, but gets ${dimension}`);
      const tensors = await readSafetensors(path.join(place.folder, folder, "model.safetensors"), bias ? ["linear.weight", "linear.bias"] : ["linear.weight"]).catch((error: Error) => {
        throw fail(error.message);
      });
      const weight = tensors["linear.weight"]!;
      if (weight.shape.join("x") !== `${outputs}x${inputs}`) throw fail(`its dense layer ${folder} has weights ${weight.shape.join("x")}, not ${outputs}x${inputs}`);
      dense.push({ inputs, outputs, weight: weight.data, bias: tensors["linear.bias"]?.data, activation });
      dimension = outputs;
    } else if (type === "Normalize") {
      normalize = true;
    } else {
      throw fail(`module ${type ?? "(no type)"} at ${folder || "the root"} is not one this loader runs (Transformer, Pooling, Dense, Normalize, in that order)`);
    }
  }
  if (pooling === undefined) throw fail("modules.json has no Pooling module");
  if (!dimension) throw fail("its pooling configuration gives no word_embedding_dimension");
  const poolingMode = pooling;

  return {
    dimension,
    onnxFile: (dtype) => onnxFile ?? sentenceOnnxFile(dtype),
    files: (dtype) => ["tokenizer.json", "tokenizer_config.json", onnxFile ?? sentenceOnnxFile(dtype)],
    async embed(tokenizer, model, texts) {
      const inputs = tokenizer(texts, { padding: true, truncation: true, max_length: maxLength }) as unknown as Record<string, Tensor>;
      const outputs = await model(inputs);
      const hidden = outputs.last_hidden_state ?? outputs.token_embeddings;
      if (!hidden) throw fail(`its ONNX model answers ${Object.keys(outputs).join(", ")}, not last_hidden_state or token_embeddings`);
      const states = hidden.type === "float32" ? hidden : hidden.to("float32");
      const [rows, tokens, width] = states.dims as [number, number, number];
      const data = states.data as Float32Array;
      const mask = inputs.attention_mask!.data as BigInt64Array;
      const vectors: Float32Array[] = [];
      for (let row = 0; row < rows; row++) {
        let vector: Float32Array = new Float32Array(width);
        if (poolingMode === "cls") {
          vector.set(data.subarray(row * tokens * width, row * tokens * width + width));
        } else {
          let count = 0;
          for (let t = 0; t < tokens; t++) {
            if (mask[row * tokens + t] === 0n) continue;
            count++;
            const at = (row * tokens + t) * width;
            for (let i = 0; i < width; i++) vector[i]! += data[at + i]!;
          }
          for (let i = 0; i < width; i++) vector[i]! /= Math.max(1, count);
        }
        for (const layer of dense) vector = applyDense(layer, vector);
        vectors.push(unitLength(vector));
      }
      return vectors;
    },
  };
}

function applyDense(layer: DenseLayer, input: Float32Array): Float32Array {
  const output = new Float32Array(layer.outputs);
  for (let o = 0; o < layer.outputs; o++) {
    let sum = layer.bias ? layer.bias[o]! : 0;
    const row = o * layer.inputs;
    for (let i = 0; i < layer.inputs; i++) sum += layer.weight[row + i]! * input[i]!;
    output[o] = layer.activation === "tanh" ? Math.tanh(sum) : sum;
  }
  return output;
}

/** Scales `vector` in place to length 1 (cosine similarity becomes a dot product); a zero vector stays zero. */
export function unitLength(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const x of vector) sum += x * x;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i]! /= norm;
  return vector;
}
