/** Packed rgb24 pixels (3 bytes a pixel, row-major, no alpha). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Turns images and texts into vectors of one shared space; cosine similarity ranks matches. */
export interface Embedder {
  /** The model as configured: a hub id or a folder. */
  readonly model: string;
  /** Length of every vector (the model's projection_dim). */
  readonly dimension: number;
  /** One L2-normalised vector per image, in the same order. */
  embedImages(images: RgbImage[]): Promise<Float32Array[]>;
  /** One L2-normalised vector per text, in the same order. */
  embedTexts(texts: string[]): Promise<Float32Array[]>;
}

export interface ClipEmbedderOptions {
  /** Hub id (downloaded into the cache on first use) or a local folder with a CLIP ONNX export. */
  model: string;
  /** Images or texts per model call; default 16. */
  batchSize?: number;
  /** ONNX Runtime intra-op threads; default: ONNX Runtime's choice. */
  threads?: number;
  /** Where downloaded hub models are cached; default: transformers.js's cache folder. */
  cacheDir?: string;
}
