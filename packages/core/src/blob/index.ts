export { BlobTooLarge, type BlobInfo, type BlobStore } from "./blob-store.js";
export { createFileBlobStore, removeStalePartials } from "./file.js";
