/** The library domain: which model each tenant's vectors are made with, and moving them to another. */
export { libraryTable, modelTable, staleVectorsTable, type LibraryRow, type ModelRow, type StaleVectorsRow } from "./library.sql.js";
export { embedderFor, isModel, library, loadModel, model, register, retryingLoads, searchEmbedder, sourceOf, vectorSet, videoEmbedder, withSearchModel } from "./models.js";
export { settle, startReindex, targetModel, videosToMove } from "./reindex-run.js";
export { reindexStatus, reindexStatusSchema, reindexVideoSchema, type ReindexStatus } from "./reindex-status.js";
export { removeStaleVectors, STALE_CLAIM_MS, type StaleRemoval } from "./stale-vectors.js";
