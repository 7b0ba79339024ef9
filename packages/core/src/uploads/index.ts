export type { UploadedPart, UploadSubject, UploadTarget, UploadTargets } from "./upload-targets.js";
export { createLocalUploadTargets, localChunks, LOCAL_CHUNK_BYTES, type LocalChunks } from "./local.js";
