export { DEFAULT_CLIP_MODEL, configureModelHub, loadClipEmbedder } from "./clip.js";
export { CLIP_DEVICES, cudaProviderInstalled, type ClipDevice } from "./device.js";
export { fetchModelFiles, DEFAULT_HUB_ENDPOINT, type FetchedFile, type FetchedModelFiles, type FetchEvent, type FetchModelFilesOptions } from "./fetch.js";
export { CLIP_DTYPES, clipFiles, clipOnnxFile, DEFAULT_CLIP_REVISION, defaultClipRevision, hubCacheFolder, type ClipDtype, type ClipFilesOptions, type ClipHalf } from "./files.js";
export { decodeImage } from "./image.js";
export { modelIdentity, type ModelIdentity } from "./identity.js";
export { modelFolder } from "./source.js";
export type { ClipEmbedderOptions, Embedder, ModelSource, RgbImage } from "./types.js";
