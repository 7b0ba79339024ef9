/**
 * Writes "clip-vit-b32-random", a CLIP model with the architecture, tensor shapes and compute of
 * `openai/clip-vit-base-patch32` and seeded random weights, in the layout of a hub ONNX export
 * (config.json, preprocessor_config.json, tokenizer.json, tokenizer_config.json,
 * special_tokens_map.json, onnx/text_model.onnx, onnx/vision_model.onnx), so benchmarks load it
 * through `loadClipEmbedder({ model: dir })` exactly like the real model and pay its real cost.
 * Its embeddings mean nothing: use it to time things, never to judge search quality.
 *
 * Vision tower (per image, 4.41 G multiply-adds):
 *   224x224 RGB -> Conv 3->768, 32x32 kernel, stride 32, no bias (49 patches) -> class token +
 *   position embeddings (50 tokens) -> pre-LayerNorm -> 12 x [LN -> 12-head self-attention ->
 *   residual -> LN -> MLP 768->3072->768 with quick-GELU -> residual] -> post-LayerNorm on the
 *   class token -> projection 768->512 (no bias).
 * Text tower (per text of L tokens, L <= 77; 2.98 G multiply-adds at L = 77):
 *   token embeddings (vocabulary 49,408 rows, like CLIP) + position embeddings (77) -> 12 x
 *   [LN -> 8-head causal self-attention (padding keys masked too) -> residual -> LN -> MLP
 *   512->2048->512 with quick-GELU -> residual] -> final LayerNorm -> the hidden state at the
 *   end-of-text token (argmax of input_ids, as CLIP's export does: EOS has the highest id) ->
 *   projection 512->512 (no bias).
 *
 * Sequence length: like every CLIP export, the text graph takes any length up to 77 and the
 * project's embedder pads a batch to its longest text (`padding: true`), so a short query costs
 * what it costs the real model at the same token count. The tokenizer is small (byte symbols plus
 * whole-word tokens for BENCH_VOCABULARY) but gives those words one token each, as CLIP's 49,408
 * entry vocabulary does, so typical queries tokenise to the same lengths; other words fall back to
 * shorter pieces and make longer sequences than CLIP would. Texts longer than 77 tokens are cut
 * at 77, so a long text measures the full 77-token cost.
 *
 * Weights: N(0, std) (default 0.02, CLIP's own initialisation scale) for every matrix and
 * embedding, LayerNorm scales 1 and biases 0, linear biases 0. Each tensor draws from its own
 * stream seeded by (seed, tensor name), so files are byte-identical for a seed and a reduced-depth
 * variant (`layers`) shares the full model's first layers. Tensors are plain initializers
 * (raw little-endian float32): each file is one protobuf under 2 GB (vision ~351 MB, text
 * ~254 MB), which onnxruntime-node loads from a buffer as transformers.js passes it.
 *
 * Variants: by default the q8 files a hub export ships (`onnx/<half>_model_quantized.onnx`,
 * ~64 MB text and ~89 MB vision, made by quantize.ts from the same graphs) are written too;
 * `dtypes` chooses (fp32 is always written).
 */
import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { BOS, bpeVocab, EOS, learnMerges, preprocessorConfig, tokenizerConfig, tokenizerJson } from "./clip-files.js";
import { FLOAT, INT32, INT64, onnx, valueInfo, type NodeProto, type TensorProto } from "./onnx.js";
import { encodeAt, onnxFileName, type GeneratedDtype } from "./quantize.js";

export const BENCH_MODEL_NAME = "clip-vit-b32-random-v1";
/** The file `writeBenchClipModel` writes last, holding its BenchModelInfo: the folder is complete. */
export const BENCH_MODEL_STAMP = "vos-bench-model.json";

/** The shapes of openai/clip-vit-base-patch32 (its config.json). */
export const CLIP_VIT_B32 = Object.freeze({
  projectionDim: 512,
  vision: Object.freeze({ imageSize: 224, patchSize: 32, channels: 3, hidden: 768, intermediate: 3072, layers: 12, heads: 12 }),
  text: Object.freeze({ vocabSize: 49408, maxPositions: 77, hidden: 512, intermediate: 2048, layers: 12, heads: 8 }),
});

/** A ViT vision tower's shapes: what its cost follows. */
export interface VisionShape {
  imageSize: number;
  patchSize: number;
  channels: number;
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  projectionDim: number;
}

/**
 * The vision towers of the models in the README's menu, from their config.json files. SigLIP
 * base/16 at 224 px has ViT-B/16's shapes without the class token and with a one-query pooling
 * head (under 1% of its multiply-adds), so ViT-B/16 stands for its cost.
 */
export const VISION_LAYOUTS: Readonly<Record<"ViT-B/32" | "ViT-B/16" | "ViT-L/14" | "ViT-L/14-336", VisionShape>> = Object.freeze({
  "ViT-B/32": { ...CLIP_VIT_B32.vision, projectionDim: CLIP_VIT_B32.projectionDim },
  "ViT-B/16": { imageSize: 224, patchSize: 16, channels: 3, hidden: 768, intermediate: 3072, layers: 12, heads: 12, projectionDim: 512 },
  "ViT-L/14": { imageSize: 224, patchSize: 14, channels: 3, hidden: 1024, intermediate: 4096, layers: 24, heads: 16, projectionDim: 768 },
  "ViT-L/14-336": { imageSize: 336, patchSize: 14, channels: 3, hidden: 1024, intermediate: 4096, layers: 24, heads: 16, projectionDim: 768 },
});

/** Published parameter counts of openai/clip-vit-base-patch32 (towers with their projections). */
export const CLIP_VIT_B32_PUBLISHED = Object.freeze({
  visionParams: 87_849_216,
  textParams: 63_428_096,
  /** Vision tower per 224x224 image, as model cards and the CLIP paper quote it ("4.4 GFLOPs"). */
  visionGigaMacs: 4.4,
});

export interface BenchModelOptions {
  /** Seed of the random weights; default 1. */
  seed?: number;
  /** Transformer layers in each tower; default 12 (fewer only for fast tests). */
  layers?: number;
  /** Standard deviation of the random weights; default 0.02. */
  std?: number;
  /** Reduced-precision files written beside the fp32 ones; default ["q8"]. */
  dtypes?: Exclude<GeneratedDtype, "fp32">[];
}

export interface BenchModelInfo {
  name: string;
  seed: number;
  layers: number;
  std: number;
  visionParams: number;
  textParams: number;
  /** Multiply-adds of the vision tower for one image. */
  visionMacsPerImage: number;
  /** Bytes of onnx/vision_model.onnx and onnx/text_model.onnx. */
  visionBytes: number;
  textBytes: number;
  /** Bytes of every ONNX file written, by path (`onnx/text_model_quantized.onnx`...). */
  onnxBytes: Record<string, number>;
  /** How long writing the folder took. */
  ms: number;
}

/** CLIP's ids: end-of-text is the largest, so argmax(input_ids) finds it. */
const BOS_ID = CLIP_VIT_B32.text.vocabSize - 2;
const EOS_ID = CLIP_VIT_B32.text.vocabSize - 1;
const LAYER_NORM_EPS = 1e-5;
/** Added to attention scores of keys a token may not see (later tokens, padding). */
const MASKED = -1e9;
const OPSET = 17; // LayerNormalization

/**
 * Words that get one token each, so benchmark queries ("a red car on a wet street at night")
 * tokenise to about the lengths CLIP's own vocabulary gives them.
 */
export const BENCH_VOCABULARY: readonly string[] = [
  // function words
  "a", "an", "the", "of", "and", "with", "in", "on", "at", "by", "near", "from", "into", "under", "over", "behind",
  "next", "to", "is", "are", "two", "three", "some", "many", "one", "who", "while", "its", "his", "her", "their",
  // colours and looks
  "red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "black", "white", "gray", "grey", "dark",
  "light", "bright", "small", "large", "big", "old", "young", "wet", "snowy", "sunny", "busy", "empty", "crowded",
  // things
  "car", "truck", "bus", "bicycle", "motorcycle", "train", "boat", "plane", "person", "man", "woman", "child", "people",
  "dog", "cat", "horse", "bird", "cow", "sheep", "ball", "kite", "umbrella", "bag", "backpack", "phone", "laptop",
  "chair", "table", "bed", "couch", "door", "window", "tree", "flower", "grass", "road", "street", "bridge", "building",
  "house", "city", "beach", "sea", "river", "lake", "mountain", "forest", "field", "park", "kitchen", "room", "office",
  "shop", "sign", "light", "fire", "snow", "rain", "sky", "cloud", "sun", "moon", "night", "day", "morning", "evening",
  "shirt", "jacket", "hat", "glasses", "helmet", "face", "hand", "camera", "screen", "logo", "text", "crowd", "game",
  "food", "pizza", "cake", "cup", "bottle", "plate", "clock", "counter", "stage", "concert", "match", "goal", "player",
  // actions
  "running", "walking", "sitting", "standing", "riding", "driving", "parked", "flying", "jumping", "playing", "eating",
  "holding", "talking", "crossing", "waving", "smiling", "dancing", "singing", "reading", "cooking", "swimming",
  // media words
  "photo", "picture", "image", "frame", "video", "scene", "shot", "view", "close", "up", "aerial", "inside", "outside",
];

export async function writeBenchClipModel(dir: string, options: BenchModelOptions = {}): Promise<BenchModelInfo> {
  const started = performance.now();
  const seed = options.seed ?? 1;
  const layers = options.layers ?? CLIP_VIT_B32.vision.layers;
  const std = options.std ?? 0.02;
  if (!Number.isInteger(layers) || layers < 1 || layers > 48) throw new RangeError(`layers must be an integer from 1 to 48, got ${layers}`);
  if (!(std > 0 && std < 1)) throw new RangeError(`std must be between 0 and 1, got ${std}`);
  const tokenizer = buildTokenizer();
  await mkdir(path.join(dir, "onnx"), { recursive: true });
  const json = (name: string, value: unknown) => writeFile(path.join(dir, name), JSON.stringify(value, null, 2) + "\n");
  await Promise.all([
    json("config.json", modelConfig(layers, seed, std)),
    json("preprocessor_config.json", preprocessorConfig()),
    json("tokenizer.json", tokenizer),
    json("tokenizer_config.json", tokenizerConfig(CLIP_VIT_B32.text.maxPositions)),
    json("special_tokens_map.json", { bos_token: BOS, eos_token: EOS, pad_token: EOS, unk_token: EOS }),
  ]);
  // One tower at a time keeps memory near one file's size (weights plus the encoded copies).
  const onnxBytes: Record<string, number> = {};
  const params = { vision: 0, text: 0 };
  for (const half of ["vision", "text"] as const) {
    const tower = half === "vision" ? visionModel({ seed, layers, std }) : textModel({ seed, layers, std });
    params[half] = tower.params;
    for (const dtype of ["fp32", ...(options.dtypes ?? ["q8"])] as GeneratedDtype[]) {
      const file = onnxFileName(half, dtype);
      await writeFile(path.join(dir, file), encodeAt(tower.model, dtype));
      onnxBytes[file] = (await stat(path.join(dir, file))).size;
    }
  }
  const info: BenchModelInfo = {
    name: BENCH_MODEL_NAME,
    seed,
    layers,
    std,
    visionParams: params.vision,
    textParams: params.text,
    visionMacsPerImage: visionMacs(layers),
    visionBytes: onnxBytes[onnxFileName("vision", "fp32")]!,
    textBytes: onnxBytes[onnxFileName("text", "fp32")]!,
    onnxBytes,
    ms: Math.round(performance.now() - started),
  };
  // Written last: its presence says the folder is complete.
  await json(BENCH_MODEL_STAMP, info);
  return info;
}

/** Multiply-adds of the vision tower for one image (ViT-B/32's shapes unless `shape` says otherwise). */
export function visionMacs(layers: number = CLIP_VIT_B32.vision.layers, shape: VisionShape = VISION_LAYOUTS["ViT-B/32"]): number {
  const { imageSize, patchSize, channels, hidden, intermediate, projectionDim } = shape;
  const patches = Math.floor(imageSize / patchSize) ** 2;
  const tokens = patches + 1;
  const patchEmbedding = patches * channels * patchSize * patchSize * hidden;
  const attention = 4 * tokens * hidden * hidden + 2 * tokens * tokens * hidden;
  const mlp = 2 * tokens * hidden * intermediate;
  return patchEmbedding + layers * (attention + mlp) + hidden * projectionDim;
}

/**
 * Writes a vision tower of `shape` with seeded random weights to `file` (fp32 ONNX, input
 * `pixel_values` [B, 3, size, size], output `image_embeds`): for measuring what a layout costs
 * on a machine, not for embedding.
 */
export async function writeVisionTower(file: string, shape: VisionShape, seed = 1): Promise<{ params: number; macs: number; bytes: number }> {
  const tower = visionModel({ seed, layers: shape.layers, std: 0.02, shape });
  await mkdir(path.dirname(file), { recursive: true });
  const bytes = encodeAt(tower.model, "fp32");
  await writeFile(file, bytes);
  return { params: tower.params, macs: visionMacs(shape.layers, shape), bytes: bytes.length };
}

/** Multiply-adds of the text tower for one text of `tokens` tokens (after padding). */
export function textMacs(tokens: number, layers: number = CLIP_VIT_B32.text.layers): number {
  const { hidden, intermediate } = CLIP_VIT_B32.text;
  const attention = 4 * tokens * hidden * hidden + 2 * tokens * tokens * hidden;
  const mlp = 2 * tokens * hidden * intermediate;
  return layers * (attention + mlp) + hidden * CLIP_VIT_B32.projectionDim;
}

/** The shapes of a text tower: CLIP's own, or a sentence-transformers text model's (VOS_CLIP_TEXT_MODEL). */
export interface TextShape {
  layers: number;
  hidden: number;
  intermediate: number;
  heads: number;
  /** The vector's length after the projection (CLIP) or the Dense layer (sentence-transformers). */
  output: number;
}

/** The text towers a search can run: ViT-B/32's own, and the multilingual DistilBERT made for it. */
export const TEXT_LAYOUTS: Readonly<Record<"CLIP ViT-B/32" | "multilingual DistilBERT", TextShape>> = Object.freeze({
  "CLIP ViT-B/32": { layers: 12, hidden: 512, intermediate: 2048, heads: 8, output: 512 },
  "multilingual DistilBERT": { layers: 6, hidden: 768, intermediate: 3072, heads: 12, output: 512 },
});

/**
 * Rows of a timed text tower's embedding table. Looking a token up costs the same whatever the
 * table's size, so the real 49,408 (CLIP) or 119,547 (multilingual DistilBERT) rows are left out.
 */
export const TIMED_VOCABULARY = 1024;

/** Multiply-adds of a text tower of `shape` for one text of `tokens` tokens. */
export function textTowerMacs(tokens: number, shape: TextShape): number {
  const { layers, hidden, intermediate, output } = shape;
  const attention = 4 * tokens * hidden * hidden + 2 * tokens * tokens * hidden;
  const mlp = 2 * tokens * hidden * intermediate;
  return layers * (attention + mlp) + hidden * output;
}

/**
 * Writes a text tower of `shape` with seeded random weights to `file` (fp32 ONNX, inputs
 * `input_ids` and `attention_mask` [B, S], output `text_embeds` [B, output]): token and position
 * embeddings, `layers` encoder layers, mean pooling, a projection. For timing a layout, not for
 * embedding: CLIP's causal mask and end-token pooling, or DistilBERT's post-norm layers and
 * GELU, change the work by a few multiply-adds per token.
 */
export async function writeTextTower(file: string, shape: TextShape, seed = 1): Promise<{ params: number; bytes: number }> {
  const { layers, hidden, intermediate, heads, output } = shape;
  const g = new Graph(seed, 0.02);
  const length = g.op("Slice", [g.op("Shape", ["input_ids"]), g.int64s("one_1d", [1]), g.int64s("two_1d", [2])], {}, "sequence_length");
  const zero = g.int64s("zero_1d", [0]);
  const tokens = g.op("Gather", [g.weight("embeddings.word_embeddings.weight", [TIMED_VOCABULARY, hidden], "normal"), "input_ids"], { axis: 0 }, "token_embeds");
  const positions = g.op("Slice", [g.weight("embeddings.position_embeddings.weight", [512, hidden], "normal"), zero, length, zero], {}, "position_embeds");
  let x = g.op("Add", [tokens, positions], {}, "embeddings");
  const keep = g.op("Cast", ["attention_mask"], { to: FLOAT }); // [B, S]
  const padding = g.op("Mul", [g.op("Sub", [keep, g.constant("one", 1)]), g.constant("masked", -MASKED)], {}, "padding_bias");
  const mask = g.op("Unsqueeze", [padding, g.int64s("axes_12", [1, 2])]); // [B, 1, 1, S]
  for (let l = 0; l < layers; l++) x = g.encoderLayer(x, `encoder.layers.${l}`, hidden, heads, intermediate, mask);
  const pooled = g.op("ReduceMean", [x], { axes: [1], keepdims: 0 }, "pooled"); // [B, hidden]
  g.output("MatMul", [pooled, g.weight("projection.weight", [hidden, output], "normal")], "text_embeds");
  const model = g.model(
    "text_tower_random",
    [valueInfo("input_ids", INT64, ["batch_size", "sequence_length"]), valueInfo("attention_mask", INT64, ["batch_size", "sequence_length"])],
    [valueInfo("text_embeds", FLOAT, ["batch_size", output])],
  );
  await mkdir(path.dirname(file), { recursive: true });
  const bytes = encodeAt(model, "fp32");
  await writeFile(file, bytes);
  return { params: g.params, bytes: bytes.length };
}

// ---------------------------------------------------------------------------------------------
// Seeded normal numbers: sfc32 for uniforms, Box-Muller (both outputs) for normals.

function hashName(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Seeded uniform numbers in [0, 1) (sfc32): byte-identical models and data for a seed. */
export function uniformSource(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // let the state mix
  return next;
}

function fillNormal(out: Float32Array, std: number, seed: number): void {
  const next = uniformSource(seed);
  for (let i = 0; i < out.length; i += 2) {
    const radius = std * Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < out.length) out[i + 1] = radius * Math.sin(angle);
  }
}

// ---------------------------------------------------------------------------------------------
// A small ONNX graph builder: named weights, auto-named node outputs, a parameter count.

type Attr = number | number[] | { float: number };

class Graph {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  params = 0;
  private counter = 0;
  private readonly constants = new Set<string>();

  constructor(
    private readonly seed: number,
    private readonly std: number,
  ) {}

  /** A float weight: random N(0, std), or all zeros/ones; counted as a parameter. */
  weight(name: string, dims: number[], fill: "normal" | "zeros" | "ones"): string {
    const values = new Float32Array(dims.reduce((x, y) => x * y, 1));
    if (fill === "normal") fillNormal(values, this.std, hashName(this.seed, name));
    else if (fill === "ones") values.fill(1);
    this.params += values.length;
    return this.floats(name, dims, values);
  }

  /** A float constant that is not a parameter (masks, scalars). */
  floats(name: string, dims: number[], values: Float32Array): string {
    const rawData = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    this.initializers.push(onnx.TensorProto.create({ name, dims, dataType: FLOAT, rawData }));
    return name;
  }

  int64s(name: string, values: number[]): string {
    this.initializers.push(onnx.TensorProto.create({ name, dims: [values.length], dataType: INT64, int64Data: values }));
    return name;
  }

  scalarInt64(name: string, value: number): string {
    this.initializers.push(onnx.TensorProto.create({ name, dims: [], dataType: INT64, int64Data: [value] }));
    return name;
  }

  op(opType: string, input: string[], attrs: Record<string, Attr> = {}, hint = opType.toLowerCase()): string {
    return this.output(opType, input, `${hint}_${this.counter++}`, attrs);
  }

  /** A node whose output has the given name (graph outputs). */
  output(opType: string, input: string[], output: string, attrs: Record<string, Attr> = {}): string {
    const attribute = Object.entries(attrs).map(([name, value]) => {
      if (Array.isArray(value)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: value };
      if (typeof value === "object") return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value.float };
      return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
    });
    this.nodes.push(onnx.NodeProto.create({ opType, input, output: [output], name: output, attribute }));
    return output;
  }

  /** x [.., inDim] @ W [inDim, outDim] (+ b). */
  linear(x: string, name: string, inDim: number, outDim: number, bias = true): string {
    const product = this.op("MatMul", [x, this.weight(`${name}.weight`, [inDim, outDim], "normal")], {}, `${name}_matmul`);
    return bias ? this.op("Add", [product, this.weight(`${name}.bias`, [outDim], "zeros")], {}, `${name}_out`) : product;
  }

  layerNorm(x: string, name: string, dim: number): string {
    const scale = this.weight(`${name}.weight`, [dim], "ones");
    const bias = this.weight(`${name}.bias`, [dim], "zeros");
    return this.op("LayerNormalization", [x, scale, bias], { axis: -1, epsilon: { float: LAYER_NORM_EPS } }, name);
  }

  /** CLIP's activation: x * sigmoid(1.702 x). */
  quickGelu(x: string): string {
    const scaled = this.op("Mul", [x, this.constant("quick_gelu_alpha", 1.702)]);
    return this.op("Mul", [x, this.op("Sigmoid", [scaled])], {}, "quick_gelu");
  }

  /** A scalar float constant, added once however often it is used. */
  constant(name: string, value: number): string {
    if (!this.constants.has(name)) {
      this.constants.add(name);
      this.floats(name, [], Float32Array.of(value));
    }
    return name;
  }

  /**
   * One pre-LayerNorm transformer layer over x [B, S, D]; `mask` [.., S, S] is added to the
   * attention scores when given.
   */
  encoderLayer(x: string, name: string, dim: number, heads: number, intermediate: number, mask?: string): string {
    const headDim = dim / heads;
    const h = this.layerNorm(x, `${name}.layer_norm1`, dim);
    const q = this.op("Mul", [this.linear(h, `${name}.self_attn.q_proj`, dim, dim), this.constant(`attn_scale_${headDim}`, 1 / Math.sqrt(headDim))]);
    const k = this.linear(h, `${name}.self_attn.k_proj`, dim, dim);
    const v = this.linear(h, `${name}.self_attn.v_proj`, dim, dim);
    const splitShape = `heads_shape_${heads}_${headDim}`;
    if (!this.constants.has(splitShape)) {
      this.constants.add(splitShape);
      this.int64s(splitShape, [0, 0, heads, headDim]);
    }
    const split = (t: string, perm: number[]) => this.op("Transpose", [this.op("Reshape", [t, splitShape])], { perm });
    const qh = split(q, [0, 2, 1, 3]); // [B, H, S, Dh]
    const kh = split(k, [0, 2, 3, 1]); // [B, H, Dh, S]
    const vh = split(v, [0, 2, 1, 3]); // [B, H, S, Dh]
    let scores = this.op("MatMul", [qh, kh], {}, `${name}_scores`);
    if (mask) scores = this.op("Add", [scores, mask], {}, `${name}_masked_scores`);
    const probs = this.op("Softmax", [scores], { axis: -1 }, `${name}_probs`);
    const context = this.op("Transpose", [this.op("MatMul", [probs, vh])], { perm: [0, 2, 1, 3] });
    const mergeShape = `merge_shape_${dim}`;
    if (!this.constants.has(mergeShape)) {
      this.constants.add(mergeShape);
      this.int64s(mergeShape, [0, 0, dim]);
    }
    const attended = this.linear(this.op("Reshape", [context, mergeShape]), `${name}.self_attn.out_proj`, dim, dim);
    const afterAttention = this.op("Add", [x, attended], {}, `${name}_residual1`);
    const h2 = this.layerNorm(afterAttention, `${name}.layer_norm2`, dim);
    const hidden = this.quickGelu(this.linear(h2, `${name}.mlp.fc1`, dim, intermediate));
    const projected = this.linear(hidden, `${name}.mlp.fc2`, intermediate, dim);
    return this.op("Add", [afterAttention, projected], {}, `${name}_residual2`);
  }

  model(name: string, inputs: ReturnType<typeof valueInfo>[], outputs: ReturnType<typeof valueInfo>[]): InstanceType<typeof onnx.ModelProto> {
    return onnx.ModelProto.create({
      irVersion: 8,
      producerName: "vos bench-model",
      opsetImport: [{ domain: "", version: OPSET }],
      graph: { name, node: this.nodes, initializer: this.initializers, input: inputs, output: outputs },
    });
  }
}

interface TowerOptions {
  seed: number;
  layers: number;
  std: number;
  /** The vision tower's shapes; default ViT-B/32's. */
  shape?: VisionShape;
}

interface Tower {
  model: InstanceType<typeof onnx.ModelProto>;
  params: number;
}

function visionModel({ seed, layers, std, shape = VISION_LAYOUTS["ViT-B/32"] }: TowerOptions): Tower {
  const { imageSize, patchSize, channels, hidden, intermediate, heads, projectionDim } = shape;
  const patches = Math.floor(imageSize / patchSize) ** 2;
  const g = new Graph(seed, std);
  const conv = g.op(
    "Conv",
    ["pixel_values", g.weight("vision.embeddings.patch_embedding.weight", [hidden, channels, patchSize, patchSize], "normal")],
    { kernel_shape: [patchSize, patchSize], strides: [patchSize, patchSize] },
    "patch_embeds",
  ); // [B, 768, 7, 7]
  const flat = g.op("Reshape", [conv, g.int64s("patch_flat_shape", [0, hidden, -1])]); // [B, 768, 49]
  const tokens = g.op("Transpose", [flat], { perm: [0, 2, 1] }); // [B, 49, 768]
  // The class token, repeated over the batch.
  const inputShape = g.op("Shape", ["pixel_values"], {}, "pixel_values_shape");
  const batch = g.op("Slice", [inputShape, g.int64s("zero_1d", [0]), g.int64s("one_1d", [1])], {}, "batch");
  const classShape = g.op("Concat", [batch, g.int64s("class_tail", [1, hidden])], { axis: 0 });
  const classWeight = g.weight("vision.embeddings.class_embedding", [1, 1, hidden], "normal");
  const classTokens = g.op("Expand", [classWeight, classShape], {}, "class_tokens");
  const embeddings = g.op("Concat", [classTokens, tokens], { axis: 1 }); // [B, 50, 768]
  const positioned = g.op("Add", [embeddings, g.weight("vision.embeddings.position_embedding.weight", [patches + 1, hidden], "normal")]);
  let x = g.layerNorm(positioned, "vision.pre_layrnorm", hidden);
  for (let l = 0; l < layers; l++) x = g.encoderLayer(x, `vision.encoder.layers.${l}`, hidden, heads, intermediate);
  const pooled = g.op("Gather", [x, g.scalarInt64("class_index", 0)], { axis: 1 }, "pooled"); // [B, 768]
  const normed = g.layerNorm(pooled, "vision.post_layernorm", hidden);
  const projected = g.op("MatMul", [normed, g.weight("visual_projection.weight", [hidden, projectionDim], "normal")], {}, "image_projected");
  g.output("Identity", [projected], "image_embeds");
  const model = g.model(
    "clip_vit_b32_random_vision",
    [valueInfo("pixel_values", FLOAT, ["batch_size", channels, imageSize, imageSize])],
    [valueInfo("image_embeds", FLOAT, ["batch_size", projectionDim])],
  );
  return { model, params: g.params };
}

function textModel({ seed, layers, std }: TowerOptions): Tower {
  const { vocabSize, maxPositions, hidden, intermediate, heads } = CLIP_VIT_B32.text;
  const g = new Graph(seed, std);
  const shape = g.op("Shape", ["input_ids"], {}, "input_ids_shape");
  const length = g.op("Slice", [shape, g.int64s("one_1d", [1]), g.int64s("two_1d", [2])], {}, "sequence_length"); // [S]
  const zero = g.int64s("zero_1d", [0]);
  const tokenEmbeds = g.op("Gather", [g.weight("text.embeddings.token_embedding.weight", [vocabSize, hidden], "normal"), "input_ids"], { axis: 0 }, "token_embeds");
  const positions = g.op(
    "Slice",
    [g.weight("text.embeddings.position_embedding.weight", [maxPositions, hidden], "normal"), zero, length, zero],
    {},
    "position_embeds",
  ); // [S, 512]
  let x = g.op("Add", [tokenEmbeds, positions], {}, "embeddings");

  // Additive mask [B, 1, S, S]: a token sees itself and earlier tokens that are not padding.
  const causal = new Float32Array(maxPositions * maxPositions);
  for (let i = 0; i < maxPositions; i++) for (let j = i + 1; j < maxPositions; j++) causal[i * maxPositions + j] = MASKED;
  const causalFull = g.floats("causal_mask", [maxPositions, maxPositions], causal);
  const square = g.op("Concat", [length, length], { axis: 0 });
  const causalMask = g.op("Slice", [causalFull, g.int64s("zero_2d", [0, 0]), square, g.int64s("axes_01", [0, 1])], {}, "causal"); // [S, S]
  const keep = g.op("Cast", ["attention_mask"], { to: FLOAT }); // [B, S]
  const padding = g.op("Mul", [g.op("Sub", [keep, g.constant("one", 1)]), g.constant("masked", -MASKED)], {}, "padding_bias"); // 0 or -1e9
  const padding4d = g.op("Unsqueeze", [padding, g.int64s("axes_12", [1, 2])]); // [B, 1, 1, S]
  const mask = g.op("Add", [causalMask, padding4d], {}, "attention_bias"); // [B, 1, S, S]

  for (let l = 0; l < layers; l++) x = g.encoderLayer(x, `text.encoder.layers.${l}`, hidden, heads, intermediate, mask);
  const normed = g.layerNorm(x, "text.final_layer_norm", hidden); // [B, S, 512]
  const eos = g.op("ArgMax", [g.op("Cast", ["input_ids"], { to: INT32 })], { axis: -1, keepdims: 1 }, "eos_position"); // [B, 1]
  const pooled = g.op("GatherND", [normed, eos], { batch_dims: 1 }, "pooled"); // [B, 512]
  const projected = g.op("MatMul", [pooled, g.weight("text_projection.weight", [hidden, CLIP_VIT_B32.projectionDim], "normal")], {}, "text_projected");
  g.output("Identity", [projected], "text_embeds");
  const model = g.model(
    "clip_vit_b32_random_text",
    [valueInfo("input_ids", INT64, ["batch_size", "sequence_length"]), valueInfo("attention_mask", INT64, ["batch_size", "sequence_length"])],
    [valueInfo("text_embeds", FLOAT, ["batch_size", CLIP_VIT_B32.projectionDim])],
  );
  return { model, params: g.params };
}

// ---------------------------------------------------------------------------------------------
// Tokenizer: CLIP's tokenizer.json layout (lower-cased, byte-level BPE with `</w>` word ends),
// with ids 0..511 for the byte symbols, whole-word tokens for BENCH_VOCABULARY after them, and
// CLIP's own special-token ids (49406, 49407) at the top of the 49,408-row embedding table.

function buildTokenizer(): unknown {
  const merges = learnMerges([...new Set(BENCH_VOCABULARY)].sort());
  const vocab = bpeVocab(merges);
  if (vocab.size > BOS_ID) throw new Error(`bench tokenizer has ${vocab.size} tokens, more than fit below ${BOS_ID}`);
  return tokenizerJson(vocab, merges, BOS_ID, EOS_ID);
}

function modelConfig(layers: number, seed: number, std: number) {
  const { vision, text, projectionDim } = CLIP_VIT_B32;
  return {
    _name_or_path: `vos/${BENCH_MODEL_NAME}`,
    architectures: ["CLIPModel"],
    model_type: "clip",
    projection_dim: projectionDim,
    logit_scale_init_value: 2.6592,
    text_config: {
      model_type: "clip_text_model",
      vocab_size: text.vocabSize,
      hidden_size: text.hidden,
      intermediate_size: text.intermediate,
      num_hidden_layers: layers,
      num_attention_heads: text.heads,
      max_position_embeddings: text.maxPositions,
      hidden_act: "quick_gelu",
      layer_norm_eps: LAYER_NORM_EPS,
      projection_dim: projectionDim,
      bos_token_id: BOS_ID,
      eos_token_id: EOS_ID,
      pad_token_id: EOS_ID,
    },
    vision_config: {
      model_type: "clip_vision_model",
      image_size: vision.imageSize,
      patch_size: vision.patchSize,
      num_channels: vision.channels,
      hidden_size: vision.hidden,
      intermediate_size: vision.intermediate,
      num_hidden_layers: layers,
      num_attention_heads: vision.heads,
      hidden_act: "quick_gelu",
      layer_norm_eps: LAYER_NORM_EPS,
      projection_dim: projectionDim,
    },
    vos_bench_model: {
      description:
        "Generated by packages/core/scripts/bench-model.ts: the architecture and compute of openai/clip-vit-base-patch32 with seeded random weights. For benchmarks only: its embeddings carry no meaning.",
      seed,
      std,
      layers,
    },
  };
}
