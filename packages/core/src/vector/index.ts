export { modelKeyOf, vectorEntry, vectorId, type ParsedVectorId, type VectorModel, type VectorIndex, type VectorMatch, type VectorMetadata, type VectorQuery, type VectorRecord, type VectorStore } from "./vector-index.js";
export { createPgvectorStore, vectorTableName } from "./pgvector.js";
