export { DEFAULT_CLIP_MODEL, loadClipEmbedder } from "./clip.js";
export { decodeImage } from "./image.js";
export type { ClipEmbedderOptions, Embedder, RgbImage } from "./types.js";
