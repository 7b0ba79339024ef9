export { BlobTooLarge, type BlobInfo, type BlobStore } from "./blob-store.js";
export { createFileBlobStore, removeOlderThan, removeStalePartials } from "./file.js";
