/**
 * The model families the embedder loads, told apart by config.json's model_type. Both keep the
 * layout of transformers.js's exports (onnx/text_model.onnx, onnx/vision_model.onnx, tokenizer and
 * preprocessor files); they differ in the classes that run each half, how a text is tokenised and
 * which output is the vector.
 *
 * - clip: CLIP*ModelWithProjection answer text_embeds / image_embeds (projection_dim long). Texts
 *   are padded to the longest in the batch: the text tower pools at the end-of-text token.
 * - siglip: SiglipTextModel / SiglipVisionModel answer pooler_output (hidden_size long; the head
 *   is inside the ONNX graph). SigLIP's text tower has no attention mask and pools at the last
 *   position, so texts are padded to the 64 tokens it was trained with, as the reference does.
 */
import type { PreTrainedTokenizer, Tensor } from "@huggingface/transformers";
import { VisibleError } from "../error.js";

/** The parts of config.json the embedder reads. */
export interface ModelConfig {
  model_type?: string;
  projection_dim?: number;
  text_config?: { projection_dim?: number; hidden_size?: number; max_position_embeddings?: number };
  vision_config?: { image_size?: number; hidden_size?: number };
}

export interface Architecture {
  /** config.json's model_type. */
  modelType: string;
  /** transformers.js classes of each half. */
  textClass: "CLIPTextModelWithProjection" | "SiglipTextModel";
  visionClass: "CLIPVisionModelWithProjection" | "SiglipVisionModel";
  /** The output of each half that is the embedding. */
  textOutput: "text_embeds" | "pooler_output";
  imageOutput: "image_embeds" | "pooler_output";
  /** The vector length config.json states; undefined when it leaves it at a default (then measured). */
  dimension(config: ModelConfig): number | undefined;
  /** Tokens every text is padded to; undefined: the longest text of the batch. */
  textLength(config: ModelConfig): number | undefined;
}

const positive = (value: unknown): number | undefined => (Number(value) > 0 ? Number(value) : undefined);

/** SigLIP's text length (SiglipTextConfig's default max_position_embeddings and the tokenizer's model_max_length). */
export const SIGLIP_TEXT_LENGTH = 64;

export const ARCHITECTURES: readonly Architecture[] = [
  {
    modelType: "clip",
    textClass: "CLIPTextModelWithProjection",
    visionClass: "CLIPVisionModelWithProjection",
    textOutput: "text_embeds",
    imageOutput: "image_embeds",
    dimension: (config) => positive(config.projection_dim ?? config.text_config?.projection_dim),
    textLength: () => undefined,
  },
  {
    modelType: "siglip",
    textClass: "SiglipTextModel",
    visionClass: "SiglipVisionModel",
    textOutput: "pooler_output",
    imageOutput: "pooler_output",
    // No projection: both towers end in hidden_size, which the hub's configs often leave at its default.
    dimension: (config) => positive(config.text_config?.hidden_size ?? config.vision_config?.hidden_size),
    textLength: (config) => positive(config.text_config?.max_position_embeddings) ?? SIGLIP_TEXT_LENGTH,
  },
];

/** The architecture of a loaded config.json; another model_type is refused, naming the ones that load. */
export function architectureOf(model: string, config: ModelConfig): Architecture {
  const found = ARCHITECTURES.find((architecture) => architecture.modelType === config.model_type);
  if (found) return found;
  const supported = ARCHITECTURES.map((architecture) => `'${architecture.modelType}'`).join(", ");
  throw new VisibleError(
    "embedder.model_unsupported",
    `Could not load CLIP model '${model}': its config.json has model_type '${config.model_type ?? "(none)"}'; ` +
      `the embedder loads model_type ${supported} (ONNX exports in transformers.js's layout). Set VOS_CLIP_MODEL to one of those.`,
    503,
    false,
  );
}

export interface TextInputs {
  input_ids: Tensor;
  attention_mask: Tensor;
}

/** Token ids (and mask) for a batch of texts, padded and cut as the architecture's text tower expects. */
export function tokenize(architecture: Architecture, config: ModelConfig, tokenizer: PreTrainedTokenizer, texts: string[]): TextInputs {
  const length = architecture.textLength(config);
  const inputs = (
    length === undefined
      ? tokenizer(texts, { padding: true, truncation: true })
      : tokenizer(texts, { padding: "max_length", truncation: true, max_length: length })
  ) as unknown as TextInputs;
  keepEndToken(inputs, tokenizer.eos_token_id, Math.min(length ?? Infinity, tokenizer.model_max_length));
  return inputs;
}

/**
 * transformers.js truncates a long text after adding the special tokens, so a text longer than
 * the model's limit (CLIP's 77 tokens, SigLIP's 64) loses its end-of-text token, which the
 * reference tokenizers keep: CLIP's text encoder pools at it and SigLIP's at the last position,
 * so the embedding would then stand for an arbitrary word. Put the end token back in the last place.
 */
export function keepEndToken(inputs: TextInputs, eosId: number | undefined, maxLength: number): void {
  const [rows, cols] = inputs.input_ids.dims as [number, number];
  if (eosId === undefined || !Number.isFinite(maxLength) || cols < maxLength) return;
  const ids = inputs.input_ids.data as BigInt64Array;
  const mask = inputs.attention_mask.data as BigInt64Array;
  const eos = BigInt(eosId);
  for (let row = 0; row < rows; row++) {
    let length = 0;
    for (let col = 0; col < cols; col++) length += Number(mask[row * cols + col]);
    const last = row * cols + length - 1;
    if (length === maxLength && ids[last] !== eos) ids[last] = eos;
  }
}
