export { BlobTooLarge, type BlobInfo, type BlobStore, type UploadTarget } from "./blob-store.js";
export { createFileBlobStore } from "./file-blob-store.js";
