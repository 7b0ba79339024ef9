/** What every stored vector carries besides its values; enough to filter and to explain a hit. */
export interface VectorMetadata {
  videoId: string;
  kind: "frame" | "object";
  timeSec: number;
  frameNo: number;
}

export interface VectorRecord {
  /** Deterministic: `<videoId>#f<frameNo>` so a retried job overwrites instead of duplicating. */
  id: string;
  values: Float32Array | number[];
  metadata: VectorMetadata;
}

export interface VectorMatch {
  id: string;
  /** Cosine similarity, higher is closer. */
  score: number;
  metadata: VectorMetadata;
}

export interface VectorQuery {
  vector: Float32Array | number[];
  topK: number;
  filter?: { videoId?: string; kind?: VectorMetadata["kind"] };
}

/**
 * Vector storage for one embedding model: an index never mixes vectors of two models, so an
 * instance is created for a (model, dimension) pair. A namespace per tenant keeps tenants apart.
 */
export interface VectorIndex {
  readonly model: string;
  readonly dimension: number;
  upsert(namespace: string, records: VectorRecord[]): Promise<void>;
  /** Best first. */
  query(namespace: string, query: VectorQuery): Promise<VectorMatch[]>;
  fetch(namespace: string, ids: string[]): Promise<Map<string, VectorRecord>>;
  /** Ids starting with `prefix`, e.g. every vector of a video (`<videoId>#`). */
  listIds(namespace: string, prefix: string): Promise<string[]>;
  /** Deletes every vector whose id starts with `prefix`; returns how many were deleted. */
  deleteByPrefix(namespace: string, prefix: string): Promise<number>;
}

/**
 * All vector indexes of a runtime. Ingest and search ask for the index of their model; deleting
 * a video needs no model (it must work even when the model cannot be loaded), so it runs across
 * every index the store has.
 */
export interface VectorStore {
  index(model: string, dimension: number): Promise<VectorIndex>;
  deleteByPrefix(namespace: string, prefix: string): Promise<number>;
  listIds(namespace: string, prefix: string): Promise<string[]>;
}

export const vectorId = {
  frame: (videoId: string, frameNo: number) => `${videoId}#f${frameNo}`,
  videoPrefix: (videoId: string) => `${videoId}#`,
  parse(id: string): { videoId: string; kind: "frame"; frameNo: number } | undefined {
    const match = /^(.+)#f(\d+)$/.exec(id);
    return match ? { videoId: match[1]!, kind: "frame", frameNo: Number(match[2]) } : undefined;
  },
};
