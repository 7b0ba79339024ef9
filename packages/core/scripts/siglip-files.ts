/**
 * The non-ONNX files of a SigLIP export in transformers.js's layout (as Xenova/siglip-base-patch16-224
 * ships them), for the generated SigLIP-layout model: a SentencePiece (Unigram) tokenizer whose
 * pad and end token are both `</s>`, 64 tokens long, and SigLIP's preprocessing (resize to the
 * square, no crop, mean and std 0.5).
 */

export const SIGLIP_TEXT_LENGTH = 64;
export const SIGLIP_IMAGE_MEAN = [0.5, 0.5, 0.5];
export const SIGLIP_IMAGE_STD = [0.5, 0.5, 0.5];
/** SentencePiece's word-start marker. */
const SPACE = "\u2581";
/** T5-style special pieces, as SigLIP's vocabulary starts. */
const SPECIAL = { pad: "<pad>", eos: "</s>", unk: "<unk>" } as const;
/** Python's string.punctuation as ASCII ranges, which SigLIP's tokenizer strips. */
const PUNCTUATION = "!-/:-@\\[-`{-~";

export interface SiglipVocabulary {
  /** [piece, log-probability] in id order, as tokenizer.json's Unigram model lists them. */
  pieces: [string, number][];
  ids: Map<string, number>;
  /** `</s>`: ends every text and pads it to 64 tokens. */
  eosId: number;
}

/**
 * Special pieces, then each word whole (`▁red`), then single letters and the bare marker so any
 * text still tokenises. Whole words score higher than the letters they spell, so Viterbi picks them.
 */
export function siglipVocabulary(words: readonly string[]): SiglipVocabulary {
  const pieces: [string, number][] = [
    [SPECIAL.pad, 0],
    [SPECIAL.eos, 0],
    [SPECIAL.unk, 0],
    ...[...new Set(words)].sort().map((word): [string, number] => [SPACE + word, -5]),
    [SPACE, -8],
    ...Array.from("abcdefghijklmnopqrstuvwxyz0123456789", (c): [string, number] => [c, -10]),
  ];
  return { pieces, ids: new Map(pieces.map(([piece], id) => [piece, id])), eosId: 1 };
}

/** tokenizer.json: lower-case, drop punctuation, squeeze spaces, Metaspace, Unigram, then `</s>`. */
export function siglipTokenizerJson(vocabulary: SiglipVocabulary) {
  const special = (content: string) => ({ id: vocabulary.ids.get(content)!, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [special(SPECIAL.pad), special(SPECIAL.eos), special(SPECIAL.unk)],
    normalizer: {
      type: "Sequence",
      normalizers: [
        { type: "Lowercase" },
        { type: "Replace", pattern: { Regex: `[${PUNCTUATION}]` }, content: "" },
        { type: "Replace", pattern: { Regex: "\\s+" }, content: " " },
        { type: "Strip", strip_left: true, strip_right: true },
      ],
    },
    pre_tokenizer: { type: "Metaspace", replacement: SPACE, prepend_scheme: "always", split: true },
    post_processor: {
      type: "TemplateProcessing",
      single: [{ Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: SPECIAL.eos, type_id: 0 } }],
      pair: [
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: SPECIAL.eos, type_id: 0 } },
        { Sequence: { id: "B", type_id: 0 } },
        { SpecialToken: { id: SPECIAL.eos, type_id: 0 } },
      ],
      special_tokens: { [SPECIAL.eos]: { id: SPECIAL.eos, ids: [vocabulary.eosId], tokens: [SPECIAL.eos] } },
    },
    decoder: { type: "Metaspace", replacement: SPACE, prepend_scheme: "always", split: true },
    model: { type: "Unigram", unk_id: vocabulary.ids.get(SPECIAL.unk)!, vocab: vocabulary.pieces, byte_fallback: false },
  };
}

/** tokenizer_config.json of SigLIP's tokenizer: `</s>` pads, 64 tokens. */
export function siglipTokenizerConfig() {
  return {
    do_lower_case: true,
    eos_token: SPECIAL.eos,
    model_max_length: SIGLIP_TEXT_LENGTH,
    pad_token: SPECIAL.eos,
    unk_token: SPECIAL.unk,
    tokenizer_class: "SiglipTokenizer",
  };
}

export function siglipSpecialTokensMap() {
  return { eos_token: SPECIAL.eos, pad_token: SPECIAL.eos, unk_token: SPECIAL.unk };
}

/** SigLIP's preprocessing: resize to size x size (bicubic, no crop), rescale, normalise with 0.5. */
export function siglipPreprocessorConfig(size = 224) {
  return {
    do_normalize: true,
    do_rescale: true,
    do_resize: true,
    image_mean: SIGLIP_IMAGE_MEAN,
    image_processor_type: "SiglipImageProcessor",
    image_std: SIGLIP_IMAGE_STD,
    processor_class: "SiglipProcessor",
    resample: 3,
    rescale_factor: 1 / 255,
    size: { height: size, width: size },
  };
}

/**
 * config.json of a SigLIP model: model_type "siglip" and no projection_dim; both towers end in
 * hidden_size, the vector length.
 */
export function siglipConfig(options: { name: string; dimension: number; imageSize: number; vocabSize: number; description: unknown }) {
  const { dimension, imageSize } = options;
  return {
    _name_or_path: options.name,
    architectures: ["SiglipModel"],
    model_type: "siglip",
    text_config: {
      model_type: "siglip_text_model",
      vocab_size: options.vocabSize,
      hidden_size: dimension,
      intermediate_size: dimension,
      num_hidden_layers: 0,
      num_attention_heads: 1,
      max_position_embeddings: SIGLIP_TEXT_LENGTH,
      pad_token_id: 1,
      eos_token_id: 1,
    },
    vision_config: {
      model_type: "siglip_vision_model",
      image_size: imageSize,
      patch_size: imageSize,
      num_channels: 3,
      hidden_size: dimension,
      intermediate_size: dimension,
      num_hidden_layers: 0,
      num_attention_heads: 1,
    },
    vos_test_model: options.description,
  };
}
