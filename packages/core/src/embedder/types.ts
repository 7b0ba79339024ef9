import type { RgbImage } from "../rgb-image.js";
import type { ClipDevice } from "./device.js";
import type { ClipDtype } from "./files.js";
import type { ModelIdentity } from "./identity.js";

export type { RgbImage };

/** Turns images and texts into vectors of one shared space; cosine similarity ranks matches. */
export interface Embedder {
  /** The model as configured: a hub id or a folder. */
  readonly model: string;
  /** Another model's text tower that embeds texts instead of the model's own (VOS_CLIP_TEXT_MODEL). */
  readonly textModel?: string;
  /** How to load this model again (a library records it for the models its vectors came from). */
  readonly source: ModelSource;
  /** What the model is, wherever it was loaded from: the key its vectors are stored under. */
  readonly identity: ModelIdentity;
  /** Length of every vector (CLIP's projection_dim, SigLIP's hidden_size). */
  readonly dimension: number;
  /** The side of the square its vision half sees (vision_config.image_size): 224 for ViT-B/32, 336 for ViT-L/14-336. */
  readonly inputSize: number;
  /** One L2-normalised vector per image, in the same order. */
  embedImages(images: RgbImage[]): Promise<Float32Array[]>;
  /** One L2-normalised vector per text, in the same order. */
  embedTexts(texts: string[]): Promise<Float32Array[]>;
}

/** What loads a model: the hub id or folder, the hub revision (null for a folder) and each half's dtype. */
export interface ModelSource {
  model: string;
  revision: string | null;
  textDtype: ClipDtype;
  visionDtype: ClipDtype;
}

export interface ClipEmbedderOptions {
  /** Hub id (downloaded into the cache on first use) or a local folder with a CLIP or SigLIP ONNX export. */
  model: string;
  /** Hub revision (branch, tag or commit); default: defaultClipRevision(model). Unused for a folder. */
  revision?: string;
  /** ONNX files of both halves (fp32, fp16 or q8); default fp32. */
  dtype?: ClipDtype;
  /** The text half's; default `dtype`. */
  textDtype?: ClipDtype;
  /** The vision half's; default `dtype`. */
  visionDtype?: ClipDtype;
  /** Whether missing hub files may be downloaded; default true. False: they must be in the cache. */
  allowDownload?: boolean;
  /** The hub's address for downloads; default VOS_HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  /** Where ONNX Runtime runs; default auto (see ClipDevice). */
  device?: ClipDevice;
  /** Images or texts per model call; default 16. */
  batchSize?: number;
  /** ONNX Runtime intra-op threads; default: ONNX Runtime's choice. */
  threads?: number;
  /** Where hub models are cached; default: transformers.js's cache folder. */
  cacheDir?: string;
  /**
   * A sentence-transformers text model made for this CLIP model (hub id or folder, and its hub
   * revision: default main) that embeds texts in place of the model's own text tower: searches in
   * other languages. Images, and so the stored vectors and the model's identity, are unchanged.
   */
  textModel?: {
    model: string;
    revision?: string;
    /** Its transformer's ONNX file (`onnx/<name>.onnx`); default: the text dtype's, as transformers.js names them. */
    onnxFile?: string;
    /** Where its hub files are cached, and whether they may be downloaded; default: the model's. */
    cacheDir?: string;
    allowDownload?: boolean;
  };
}
