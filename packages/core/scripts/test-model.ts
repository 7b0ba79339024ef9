/**
 * Writes "clip-colours", a tiny model with the CLIP layout (config.json, preprocessor_config.json,
 * tokenizer.json, onnx/text_model.onnx, onnx/vision_model.onnx, and the q8 and fp16 variants
 * `onnx/<half>_model_quantized.onnx` and `_fp16.onnx` made by quantize.ts). Model weights cannot be downloaded
 * on the project's machines, so tests load this folder through the same `loadClipEmbedder` code as
 * a hub export. Its weights are set by hand so colour words line up with colour images:
 *
 * - vision: mean colour of each 32x32 patch of the preprocessed image -> (chromaticity, brightness)
 *   -> weighted squared distance to one prototype per colour -> sharp softmax -> mean over patches
 *   (the share of the image each colour covers) -> projection.
 * - text: one vector per token (colour words one-hot on their colour, every other token zero),
 *   summed over the attention mask -> the same projection.
 *
 * Both sides add a small shared "neutral" direction so no embedding is ever the zero vector
 * (cosine distance of a zero vector is NaN in pgvector).
 *
 * `layout: "siglip"` writes the same behaviour in a SigLIP export's layout instead (see
 * siglip-files.ts and siglipTextModel below).
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { BOS, bpeVocab, CLIP_IMAGE_MEAN, CLIP_IMAGE_STD, EOS, learnMerges, preprocessorConfig, tokenizerConfig, tokenizerJson } from "./clip-files.js";
import { FLOAT, floats, INT64, int64s, node, onnx, valueInfo, type NodeProto, type TensorProto } from "./onnx.js";
import { encodeAt, onnxFileName, type GeneratedDtype } from "./quantize.js";
import { mulberry32 } from "./seeded-random.js";
import {
  SIGLIP_IMAGE_MEAN,
  SIGLIP_IMAGE_STD,
  SIGLIP_TEXT_LENGTH,
  siglipConfig,
  siglipPreprocessorConfig,
  siglipSpecialTokensMap,
  siglipTokenizerConfig,
  siglipTokenizerJson,
  siglipVocabulary,
  type SiglipVocabulary,
} from "./siglip-files.js";

export const TEST_MODEL_NAME = "clip-colours-v2";
export const TEST_MODEL_PROJECTION_DIM = 16;

interface Colour {
  name: string;
  rgb: [number, number, number];
  /** Achromatic colours are told apart by brightness; chromatic ones ignore it. */
  achromatic: boolean;
  words: string[];
}

/** HTML colour values; synonyms share a prototype (lime and green differ only in brightness). */
export const TEST_MODEL_COLOURS: readonly Colour[] = [
  { name: "red", rgb: [255, 0, 0], achromatic: false, words: ["red"] },
  { name: "orange", rgb: [255, 165, 0], achromatic: false, words: ["orange"] },
  { name: "yellow", rgb: [255, 255, 0], achromatic: false, words: ["yellow"] },
  { name: "green", rgb: [0, 255, 0], achromatic: false, words: ["green", "lime"] },
  { name: "cyan", rgb: [0, 255, 255], achromatic: false, words: ["cyan", "aqua", "turquoise"] },
  { name: "blue", rgb: [0, 0, 255], achromatic: false, words: ["blue", "navy"] },
  { name: "magenta", rgb: [255, 0, 255], achromatic: false, words: ["magenta", "fuchsia", "purple", "violet"] },
  { name: "white", rgb: [255, 255, 255], achromatic: true, words: ["white"] },
  { name: "gray", rgb: [128, 128, 128], achromatic: true, words: ["gray", "grey"] },
  { name: "black", rgb: [0, 0, 0], achromatic: true, words: ["black"] },
];

/** Words that get whole tokens but no meaning, so queries tokenise like real captions. */
const FILLER_WORDS = [
  "a", "an", "the", "of", "and", "with", "in", "on", "image", "photo", "picture", "frame", "video",
  "still", "shot", "color", "colour", "dark", "light", "bright", "car", "dog", "cat", "person",
];

/** Keeps near-black pixels' chromaticity near neutral instead of amplifying noise. */
const CHROMA_EPS = 0.05;
/** Softmax temperature on squared feature distances: the closest prototype takes almost all. */
const TEMPERATURE = 0.004;
/** Size of the shared neutral component added to every text and image embedding. */
const NEUTRAL = 0.01;
/** CLIP's own normalisation constants, so the preprocessor matches the real model's. */
const OPSET = 13;
/** Vision patch size: 224 px crops give a 7 x 7 grid, like ViT-B/32. */
const PATCH = 32;

/** Every file writeTestClipModel writes that the embedder may read. */
export const TEST_MODEL_FILES: readonly string[] = [
  "config.json",
  "preprocessor_config.json",
  "tokenizer.json",
  "tokenizer_config.json",
  ...(["fp32", "q8", "fp16"] as const).flatMap((dtype) => [onnxFileName("text", dtype), onnxFileName("vision", dtype)]),
];

/** Another dimension or seed makes another model of the same behaviour (colour words find colours). */
export interface TestModelOptions {
  dimension?: number;
  seed?: number;
  /** The vision input's side (vision_config.image_size and the preprocessor's crop); default 224. */
  imageSize?: number;
  /** Which export's files, class names and outputs: CLIP's (default) or SigLIP's. */
  layout?: "clip" | "siglip";
}

/**
 * Where the model's text tower puts each colour (its projection row) and what every text gets on
 * top (the neutral direction times NEUTRAL): a text tower generated for this model
 * (test-text-model.ts) lands its words in the same places.
 */
export function testModelTextSpace(options: Pick<TestModelOptions, "dimension" | "seed"> = {}): { colours: number[][]; neutral: number[] } {
  const projection = projectionFor(options);
  return { colours: projection.slice(0, TEST_MODEL_COLOURS.length), neutral: projection[TEST_MODEL_COLOURS.length]!.map((x) => x * NEUTRAL) };
}

function projectionFor(options: Pick<TestModelOptions, "dimension" | "seed">): number[][] {
  const dim = options.dimension ?? TEST_MODEL_PROJECTION_DIM;
  if (!Number.isInteger(dim) || dim < TEST_MODEL_COLOURS.length + 1) throw new Error(`the test model needs at least ${TEST_MODEL_COLOURS.length + 1} dimensions, not ${dim}`);
  return orthonormalRows(TEST_MODEL_COLOURS.length + 1, dim, options.seed ?? 20240601);
}

export async function writeTestClipModel(dir: string, options: TestModelOptions = {}): Promise<void> {
  const dim = options.dimension ?? TEST_MODEL_PROJECTION_DIM;
  const imageSize = options.imageSize ?? 224;
  const projection = projectionFor(options);
  await mkdir(path.join(dir, "onnx"), { recursive: true });
  const json = (name: string, value: unknown) => writeFile(path.join(dir, name), JSON.stringify(value, null, 2) + "\n");
  let halves: { text: ModelProto; vision: ModelProto };
  if (options.layout === "siglip") {
    const vocabulary = siglipVocabulary([...TEST_MODEL_COLOURS.flatMap((c) => c.words), ...FILLER_WORDS]);
    const description = { ...testModelDescription(), layout: "siglip" };
    await Promise.all([
      json("config.json", siglipConfig({ name: `vos/${TEST_MODEL_NAME}-siglip`, dimension: dim, imageSize, vocabSize: vocabulary.pieces.length, description })),
      json("preprocessor_config.json", siglipPreprocessorConfig(imageSize)),
      json("tokenizer.json", siglipTokenizerJson(vocabulary)),
      json("tokenizer_config.json", siglipTokenizerConfig()),
      json("special_tokens_map.json", siglipSpecialTokensMap()),
    ]);
    halves = { text: siglipTextModel(vocabulary, projection, dim), vision: visionModel(projection, dim, "siglip") };
  } else {
    const tokenizer = buildTokenizer();
    await Promise.all([
      json("config.json", modelConfig(tokenizer, dim, imageSize)),
      json("preprocessor_config.json", preprocessorConfig(imageSize)),
      json("tokenizer.json", tokenizer.json),
      json("tokenizer_config.json", tokenizerConfig(77)),
      json("special_tokens_map.json", { bos_token: BOS, eos_token: EOS, pad_token: EOS, unk_token: EOS }),
    ]);
    halves = { text: textModel(tokenizer, projection, dim), vision: visionModel(projection, dim, "clip") };
  }
  const dtypes: GeneratedDtype[] = ["fp32", "q8", "fp16"];
  for (const [half, model] of Object.entries(halves) as [keyof typeof halves, ModelProto][]) {
    await Promise.all(dtypes.map((dtype) => writeFile(path.join(dir, onnxFileName(half, dtype)), encodeAt(model, dtype))));
  }
}

// ---------------------------------------------------------------------------------------------
// Tokenizer: CLIP's tokenizer.json layout (byte-level BPE with `</w>` word ends), with a vocab of
// the 512 byte symbols plus whole-word tokens learned from the words above.

interface BuiltTokenizer {
  json: unknown;
  vocab: Map<string, number>;
  bosId: number;
  eosId: number;
}

function buildTokenizer(): BuiltTokenizer {
  const words = [...new Set([...TEST_MODEL_COLOURS.flatMap((c) => c.words), ...FILLER_WORDS])].sort();
  // Every word is learnt whole, so encoding one replays the merges and ends in one token.
  const merges = learnMerges(words);
  const vocab = bpeVocab(merges);
  const bosId = vocab.size;
  const eosId = bosId + 1;
  return { json: tokenizerJson(vocab, merges, bosId, eosId), vocab: new Map([...vocab, [BOS, bosId], [EOS, eosId]]), bosId, eosId };
}

function modelConfig(tokenizer: BuiltTokenizer, dim: number, imageSize: number) {
  const hidden = TEST_MODEL_COLOURS.length;
  return {
    _name_or_path: `vos/${TEST_MODEL_NAME}`,
    architectures: ["CLIPModel"],
    model_type: "clip",
    projection_dim: dim,
    logit_scale_init_value: 2.6592,
    text_config: {
      model_type: "clip_text_model",
      vocab_size: tokenizer.eosId + 1,
      hidden_size: hidden,
      intermediate_size: hidden,
      num_hidden_layers: 0,
      num_attention_heads: 1,
      max_position_embeddings: 77,
      projection_dim: dim,
      bos_token_id: tokenizer.bosId,
      eos_token_id: tokenizer.eosId,
      pad_token_id: tokenizer.eosId,
    },
    vision_config: {
      model_type: "clip_vision_model",
      image_size: imageSize,
      patch_size: imageSize,
      num_channels: 3,
      hidden_size: hidden,
      intermediate_size: hidden,
      num_hidden_layers: 0,
      num_attention_heads: 1,
      projection_dim: dim,
    },
    vos_test_model: testModelDescription(),
  };
}

function testModelDescription() {
  return {
    description: "Generated by packages/core/scripts/test-model.ts: colour words match colour images. Not a real CLIP.",
    colours: TEST_MODEL_COLOURS.map((c) => ({ name: c.name, rgb: c.rgb, words: c.words })),
  };
}

// ---------------------------------------------------------------------------------------------
// ONNX graphs, built with onnx-proto (no Python).

type ModelProto = InstanceType<typeof onnx.ModelProto>;

function buildModel(
  name: string,
  nodes: NodeProto[],
  initializer: TensorProto[],
  inputs: ReturnType<typeof valueInfo>[],
  outputs: ReturnType<typeof valueInfo>[],
): ModelProto {
  return onnx.ModelProto.create({
    irVersion: 8,
    producerName: "vos test-model",
    opsetImport: [{ domain: "", version: OPSET }],
    graph: { name, node: nodes, initializer, input: inputs, output: outputs },
  });
}

/** Seeded so every run writes byte-identical files. */
function orthonormalRows(rows: number, cols: number, seed: number): number[][] {
  const uniform = mulberry32(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const result: number[][] = [];
  while (result.length < rows) {
    const v = Array.from({ length: cols }, gaussian);
    for (const u of result) {
      const dot = v.reduce((s, x, i) => s + x * u[i]!, 0);
      for (let i = 0; i < cols; i++) v[i]! -= dot * u[i]!;
    }
    const norm = Math.hypot(...v);
    if (norm > 1e-6) result.push(v.map((x) => x / norm));
  }
  return result;
}

/** Colour rows of the projection (K x D) and the neutral row times NEUTRAL (the bias). */
function projectionTensors(projection: number[][], dim: number): TensorProto[] {
  const k = TEST_MODEL_COLOURS.length;
  const neutral = projection[k]!;
  return [
    floats("projection", [k, dim], projection.slice(0, k).flat()),
    floats("neutral", [dim], neutral.map((x) => x * NEUTRAL)),
  ];
}

function textModel(tokenizer: BuiltTokenizer, projection: number[][], dim: number): ModelProto {
  const k = TEST_MODEL_COLOURS.length;
  const vocabSize = tokenizer.eosId + 1;
  const tokenColours = new Float32Array(vocabSize * k);
  TEST_MODEL_COLOURS.forEach((colour, c) => {
    for (const word of colour.words) {
      const id = tokenizer.vocab.get(word + "</w>");
      if (id === undefined) throw new Error(`word "${word}" has no token`);
      tokenColours[id * k + c] = 1;
    }
  });
  const nodes = [
    node("Gather", ["token_colours", "input_ids"], "token_vectors", { axis: 0 }),
    node("Cast", ["attention_mask"], "mask_float", { to: FLOAT }),
    node("Unsqueeze", ["mask_float", "axis_2"], "mask_3d"),
    node("Mul", ["token_vectors", "mask_3d"], "masked_vectors"),
    node("ReduceSum", ["masked_vectors", "axis_1"], "text_colours", { keepdims: 0 }),
    node("MatMul", ["text_colours", "projection"], "text_projected"),
    node("Add", ["text_projected", "neutral"], "text_embeds"),
  ];
  const initializer = [
    floats("token_colours", [vocabSize, k], tokenColours),
    int64s("axis_1", [1], [1]),
    int64s("axis_2", [1], [2]),
    ...projectionTensors(projection, dim),
  ];
  return buildModel(
    "clip_colours_text",
    nodes,
    initializer,
    [
      valueInfo("input_ids", INT64, ["batch_size", "sequence_length"]),
      valueInfo("attention_mask", INT64, ["batch_size", "sequence_length"]),
    ],
    [valueInfo("text_embeds", FLOAT, ["batch_size", dim])],
  );
}

/**
 * SigLIP's text tower in its export's shape: input_ids only (no attention mask), declared 64 long
 * so a text not padded to 64 tokens fails as it would give a real SigLIP wrong vectors, and pooled
 * at the last position. Colour words are one-hot and the hidden state at a position is the sum up
 * to it, so the last position holds every word; pad and end tokens add nothing.
 */
function siglipTextModel(vocabulary: SiglipVocabulary, projection: number[][], dim: number): ModelProto {
  const k = TEST_MODEL_COLOURS.length;
  const tokenColours = new Float32Array(vocabulary.pieces.length * k);
  TEST_MODEL_COLOURS.forEach((colour, c) => {
    for (const word of colour.words) tokenColours[vocabulary.ids.get(`\u2581${word}`)! * k + c] = 1;
  });
  const nodes = [
    node("Gather", ["token_colours", "input_ids"], "token_vectors", { axis: 0 }),
    node("MatMul", ["token_vectors", "projection"], "token_projected"),
    node("CumSum", ["token_projected", "axis_1"], "last_hidden_state"),
    node("Gather", ["last_hidden_state", "last_position"], "pooled", { axis: 1 }),
    node("Add", ["pooled", "neutral"], "pooler_output"),
  ];
  const initializer = [
    floats("token_colours", [vocabulary.pieces.length, k], tokenColours),
    int64s("axis_1", [], [1]),
    int64s("last_position", [], [-1]),
    ...projectionTensors(projection, dim),
  ];
  return buildModel(
    "siglip_colours_text",
    nodes,
    initializer,
    [valueInfo("input_ids", INT64, ["batch_size", SIGLIP_TEXT_LENGTH])],
    [valueInfo("last_hidden_state", FLOAT, ["batch_size", SIGLIP_TEXT_LENGTH, dim]), valueInfo("pooler_output", FLOAT, ["batch_size", dim])],
  );
}

/** (chromaticity r, g, b, brightness) of an sRGB colour in [0, 1], as the vision graph computes it. */
function colourFeatures([r, g, b]: number[]): number[] {
  const rgb = [r!, g!, b!];
  const sum = rgb.reduce((s, x) => s + x + CHROMA_EPS, 0);
  return [...rgb.map((x) => (x + CHROMA_EPS) / sum), Math.max(...rgb)];
}

/**
 * CLIP's layout answers image_embeds; SigLIP's answers last_hidden_state (each patch projected)
 * and pooler_output (their mean), and undoes SigLIP's normalisation instead of CLIP's.
 */
function visionModel(projection: number[][], dim: number, layout: "clip" | "siglip"): ModelProto {
  const k = TEST_MODEL_COLOURS.length;
  const prototypes = TEST_MODEL_COLOURS.flatMap((c) => colourFeatures(c.rgb.map((x) => x / 255)));
  // Weights are pre-scaled by -1/TEMPERATURE so the weighted sum is already the softmax logit.
  const weights = TEST_MODEL_COLOURS.flatMap((c) => [1, 1, 1, c.achromatic ? 1 : 0].map((w) => -w / TEMPERATURE));
  const nodes = [
    // 32x32 patches as in ViT-B/32: [B, 3, 7, 7] -> [B, 49, 3] mean colours.
    node("AveragePool", ["pixel_values"], "patch_normalised", { kernel_shape: [PATCH, PATCH], strides: [PATCH, PATCH] }),
    node("Reshape", ["patch_normalised", "patches_shape"], "patches_by_channel"),
    node("Transpose", ["patches_by_channel"], "patches", { perm: [0, 2, 1] }),
    node("Mul", ["patches", "image_std"], "patches_centred"),
    node("Add", ["patches_centred", "image_mean"], "patches_unclipped"),
    node("Clip", ["patches_unclipped", "zero", "one"], "patch_rgb"),
    node("Add", ["patch_rgb", "chroma_eps"], "rgb_eps"),
    node("ReduceSum", ["rgb_eps", "axis_2"], "rgb_sum", { keepdims: 1 }),
    node("Div", ["rgb_eps", "rgb_sum"], "chromaticity"),
    node("ReduceMax", ["patch_rgb"], "brightness", { axes: [2], keepdims: 1 }),
    node("Concat", ["chromaticity", "brightness"], "features", { axis: 2 }),
    node("Unsqueeze", ["features", "axis_2"], "features_4d"),
    node("Sub", ["features_4d", "prototypes"], "offsets"),
    node("Mul", ["offsets", "offsets"], "squared_offsets"),
    node("Mul", ["squared_offsets", "weights"], "weighted_offsets"),
    node("ReduceSum", ["weighted_offsets", "axis_3"], "logits", { keepdims: 0 }),
    node("Softmax", ["logits"], "patch_colours", { axis: -1 }),
    // Share of the image each colour covers: a many-coloured test pattern matches no colour fully.
    ...(layout === "clip"
      ? [
          node("ReduceMean", ["patch_colours"], "image_colours", { axes: [1], keepdims: 0 }),
          node("MatMul", ["image_colours", "projection"], "image_projected"),
          node("Add", ["image_projected", "neutral"], "image_embeds"),
        ]
      : [
          node("MatMul", ["patch_colours", "projection"], "last_hidden_state"),
          node("ReduceMean", ["last_hidden_state"], "image_projected", { axes: [1], keepdims: 0 }),
          node("Add", ["image_projected", "neutral"], "pooler_output"),
        ]),
  ];
  const initializer = [
    floats("image_std", [3], layout === "clip" ? CLIP_IMAGE_STD : SIGLIP_IMAGE_STD),
    floats("image_mean", [3], layout === "clip" ? CLIP_IMAGE_MEAN : SIGLIP_IMAGE_MEAN),
    floats("zero", [], [0]),
    floats("one", [], [1]),
    floats("chroma_eps", [1], [CHROMA_EPS]),
    floats("prototypes", [k, 4], prototypes),
    floats("weights", [k, 4], weights),
    int64s("patches_shape", [3], [0, 3, -1]),
    int64s("axis_2", [1], [2]),
    int64s("axis_3", [1], [3]),
    ...projectionTensors(projection, dim),
  ];
  return buildModel(
    "clip_colours_vision",
    nodes,
    initializer,
    [valueInfo("pixel_values", FLOAT, ["batch_size", 3, "height", "width"])],
    layout === "clip"
      ? [valueInfo("image_embeds", FLOAT, ["batch_size", dim])]
      : [valueInfo("last_hidden_state", FLOAT, ["batch_size", "patches", dim]), valueInfo("pooler_output", FLOAT, ["batch_size", dim])],
  );
}
