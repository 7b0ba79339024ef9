export { BlobTooLarge, type BlobInfo, type BlobStore, type UploadTarget, type UploadedPart } from "./blob-store.js";
export { createFileBlobStore, removeStalePartials } from "./file-blob-store.js";
export { createLocalUploadTargets, LOCAL_CHUNK_BYTES } from "./local-uploads.js";
