/**
 * Writes "clip-colours-multilingual", a text tower made for the generated test CLIP model
 * (test-model.ts) in the layout of sentence-transformers/clip-ViT-B-32-multilingual-v1: a BERT
 * WordPiece tokenizer, a DistilBERT feature extractor's ONNX export (onnx/model.onnx: input_ids
 * and attention_mask in, last_hidden_state out), modules.json with mean Pooling and a Dense layer
 * (2_Dense/model.safetensors, no bias), sentence_bert_config.json. The embedder loads it through
 * the same code as the hub model (embedder/sentence-text.ts).
 *
 * Colour words of six languages get one-hot token vectors on their colour, [CLS] and [SEP] half a
 * unit each on a neutral slot, every other token zero; the Dense layer maps each colour slot to
 * the CLIP model's text direction for that colour and the neutral slot to its neutral offset. Mean
 * pooling divides the CLIP text tower's sum by the token count, so after normalising, "une image
 * rouge" lands exactly where the CLIP model puts "a red image": as a distilled multilingual tower
 * does, approximately, for a real CLIP.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { FLOAT, floats, INT64, int64s, node, onnx, valueInfo } from "./onnx.js";
import { TEST_MODEL_COLOURS, testModelTextSpace } from "./test-model.js";

export const TEST_TEXT_MODEL_NAME = "clip-colours-multilingual-v1";

/** Each colour's words in English (as the CLIP model has them), French, German, Spanish, Italian and Portuguese. */
export const MULTILINGUAL_COLOUR_WORDS: Readonly<Record<string, readonly string[]>> = {
  red: ["rouge", "rot", "rojo", "rosso", "vermelho"],
  orange: ["naranja", "arancione", "laranja"],
  yellow: ["jaune", "gelb", "amarillo", "giallo", "amarelo"],
  // BERT's normaliser lower-cases and strips accents before WordPiece: "Grün" is looked up as "grun".
  green: ["vert", "verte", "verde", "grun"],
  cyan: ["cyan", "ciano", "cian"],
  blue: ["bleu", "bleue", "blau", "azul", "blu"],
  magenta: ["violett", "morado", "viola", "roxo"],
  white: ["blanc", "blanche", "weiss", "blanco", "bianco", "branco"],
  gray: ["gris", "grise", "grau", "grigio", "cinza"],
  black: ["noir", "noire", "schwarz", "negro", "nero", "preto"],
};

const FILLER_WORDS = ["a", "an", "the", "image", "photo", "picture", "une", "un", "ein", "eine", "bild", "foto", "una", "imagen", "immagine", "imagem", "de", "la", "le", "el", "der", "die", "das", "with", "avec", "mit", "con", "com"];
const SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] as const;
/** The files the embedder reads (fp32 only: another dtype's file is missing, as in a hub repository that has none). */
export const TEST_TEXT_MODEL_FILES: readonly string[] = [
  "config.json",
  "modules.json",
  "sentence_bert_config.json",
  "tokenizer.json",
  "tokenizer_config.json",
  "onnx/model.onnx",
  "1_Pooling/config.json",
  "2_Dense/config.json",
  "2_Dense/model.safetensors",
];

export interface TestTextModelOptions {
  /** The CLIP test model's options it is made for (its dimension and seed). */
  dimension?: number;
  seed?: number;
}

export async function writeTestTextModel(dir: string, options: TestTextModelOptions = {}): Promise<void> {
  const space = testModelTextSpace(options);
  const dimension = space.neutral.length;
  const k = TEST_MODEL_COLOURS.length;
  const hidden = k + 1;
  const colourOf = new Map<string, number>();
  TEST_MODEL_COLOURS.forEach((colour, c) => {
    for (const word of [...colour.words, ...(MULTILINGUAL_COLOUR_WORDS[colour.name] ?? [])]) colourOf.set(word, c);
  });
  const words = [...new Set([...colourOf.keys(), ...FILLER_WORDS])].sort();
  const vocab = [...SPECIAL, ...words];
  const id = (token: string) => vocab.indexOf(token);

  const table = new Float32Array(vocab.length * hidden);
  for (const [word, c] of colourOf) table[id(word) * hidden + c] = 1;
  for (const token of ["[CLS]", "[SEP]"]) table[id(token) * hidden + k] = 0.5;
  const graph = onnx.ModelProto.create({
    irVersion: 8,
    producerName: "vos test-text-model",
    opsetImport: [{ domain: "", version: 13 }],
    graph: {
      name: "clip_colours_multilingual",
      node: [
        node("Gather", ["token_table", "input_ids"], "token_vectors", { axis: 0 }),
        node("Cast", ["attention_mask"], "mask_float", { to: FLOAT }),
        node("Unsqueeze", ["mask_float", "axis_2"], "mask_3d"),
        node("Mul", ["token_vectors", "mask_3d"], "last_hidden_state"),
      ],
      initializer: [floats("token_table", [vocab.length, hidden], table), int64s("axis_2", [1], [2])],
      input: [valueInfo("input_ids", INT64, ["batch_size", "sequence_length"]), valueInfo("attention_mask", INT64, ["batch_size", "sequence_length"])],
      output: [valueInfo("last_hidden_state", FLOAT, ["batch_size", "sequence_length", hidden])],
    },
  });

  // torch's Linear keeps its weight as [out, in].
  const weight = new Float32Array(dimension * hidden);
  for (let o = 0; o < dimension; o++) {
    for (let c = 0; c < k; c++) weight[o * hidden + c] = space.colours[c]![o]!;
    weight[o * hidden + k] = space.neutral[o]!;
  }

  await mkdir(path.join(dir, "onnx"), { recursive: true });
  await mkdir(path.join(dir, "1_Pooling"), { recursive: true });
  await mkdir(path.join(dir, "2_Dense"), { recursive: true });
  const json = (name: string, value: unknown) => writeFile(path.join(dir, name), JSON.stringify(value, null, 2) + "\n");
  await Promise.all([
    json("config.json", {
      _name_or_path: `vos/${TEST_TEXT_MODEL_NAME}`,
      architectures: ["DistilBertModel"],
      model_type: "distilbert",
      dim: hidden,
      hidden_dim: hidden,
      n_heads: 1,
      n_layers: 0,
      vocab_size: vocab.length,
      max_position_embeddings: 512,
      pad_token_id: 0,
      vos_test_model: { description: "Generated by packages/core/scripts/test-text-model.ts: colour words of six languages land where the test CLIP model puts the English ones. Not a real model." },
    }),
    json("modules.json", [
      { idx: 0, name: "0", path: "", type: "sentence_transformers.models.Transformer" },
      { idx: 1, name: "1", path: "1_Pooling", type: "sentence_transformers.models.Pooling" },
      { idx: 2, name: "2", path: "2_Dense", type: "sentence_transformers.models.Dense" },
    ]),
    json("sentence_bert_config.json", { max_seq_length: 128, do_lower_case: false }),
    json("tokenizer.json", wordPieceTokenizer(vocab)),
    json("tokenizer_config.json", { tokenizer_class: "DistilBertTokenizer", do_lower_case: true, model_max_length: 512, cls_token: "[CLS]", sep_token: "[SEP]", pad_token: "[PAD]", unk_token: "[UNK]", mask_token: "[MASK]" }),
    json("1_Pooling/config.json", { word_embedding_dimension: hidden, pooling_mode_cls_token: false, pooling_mode_mean_tokens: true, pooling_mode_max_tokens: false, pooling_mode_mean_sqrt_len_tokens: false }),
    json("2_Dense/config.json", { in_features: hidden, out_features: dimension, bias: false, activation_function: "torch.nn.modules.linear.Identity" }),
    writeFile(path.join(dir, "2_Dense", "model.safetensors"), safetensors({ "linear.weight": { shape: [dimension, hidden], data: weight } })),
    writeFile(path.join(dir, "onnx", "model.onnx"), onnx.ModelProto.encode(graph).finish()),
  ]);
}

/** BERT's tokenizer.json: lower-casing normaliser, WordPiece over whole words, [CLS] ... [SEP]. */
function wordPieceTokenizer(vocab: readonly string[]) {
  const ids = Object.fromEntries(vocab.map((token, i) => [token, i]));
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map((content) => ({ id: ids[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "[SEP]", type_id: 0 } }],
      pair: [{ SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "[SEP]", type_id: 0 } }, { Sequence: { id: "B", type_id: 1 } }, { SpecialToken: { id: "[SEP]", type_id: 1 } }],
      special_tokens: { "[CLS]": { id: "[CLS]", ids: [ids["[CLS]"]], tokens: ["[CLS]"] }, "[SEP]": { id: "[SEP]", ids: [ids["[SEP]"]], tokens: ["[SEP]"] } },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab: ids },
  };
}

/** A safetensors file of float32 tensors. */
export function safetensors(tensors: Record<string, { shape: number[]; data: Float32Array }>): Buffer {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    header[name] = { dtype: "F32", shape: tensor.shape, data_offsets: [offset, offset + tensor.data.byteLength] };
    offset += tensor.data.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, ...Object.values(tensors).map((tensor) => Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength))]);
}
