/** What every stored vector carries besides its values; enough to filter and to explain a hit. */
export interface VectorMetadata {
  videoId: string;
  kind: "frame" | "object";
  timeSec: number;
  frameNo: number;
  /** Objects only: the detector's label and score, and the box normalised to the frame. */
  label?: string;
  score?: number;
  box?: { x: number; y: number; w: number; h: number };
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
 * The model a vector set belongs to: its identity key (see embedder/identity.ts), and the names
 * its vectors may have been stored under before models had identities (adopted as the key's). A
 * plain string is a key with no aliases.
 */
export type VectorModel = string | { key: string; aliases?: readonly string[] };

export function modelKeyOf(model: VectorModel): { key: string; aliases: readonly string[] } {
  return typeof model === "string" ? { key: model, aliases: [] } : { key: model.key, aliases: (model.aliases ?? []).filter((alias) => alias !== model.key) };
}

/**
 * All vector indexes of a runtime. Ingest and search ask for the index of their model; deleting
 * a video needs no model (it must work even when the model cannot be loaded), so it runs across
 * every index the store has.
 */
export interface VectorStore {
  index(model: VectorModel, dimension: number): Promise<VectorIndex>;
  deleteByPrefix(namespace: string, prefix: string): Promise<number>;
  listIds(namespace: string, prefix: string): Promise<string[]>;
}

export type ParsedVectorId = { videoId: string; kind: "frame"; frameNo: number } | { videoId: string; kind: "object"; frameNo: number; k: number };

export const vectorId = {
  frame: (videoId: string, frameNo: number) => `${videoId}#f${frameNo}`,
  object: (videoId: string, frameNo: number, k: number) => `${videoId}#o${frameNo}.${k}`,
  videoPrefix: (videoId: string) => `${videoId}#`,
  parse(id: string): ParsedVectorId | undefined {
    const frame = /^(.+)#f(\d+)$/.exec(id);
    if (frame) return { videoId: frame[1]!, kind: "frame", frameNo: Number(frame[2]) };
    const object = /^(.+)#o(\d+)\.(\d+)$/.exec(id);
    if (object) return { videoId: object[1]!, kind: "object", frameNo: Number(object[2]), k: Number(object[3]) };
    return undefined;
  },
};

/**
 * A frame's or an object's vector without its values: its deterministic id and its metadata.
 * Ingest and re-indexing build them alike, so a re-made vector replaces the one it stands for.
 */
export const vectorEntry = {
  frame: (videoId: string, frame: { frameNo: number; timeSec: number }): Omit<VectorRecord, "values"> => ({
    id: vectorId.frame(videoId, frame.frameNo),
    metadata: { videoId, kind: "frame", timeSec: frame.timeSec, frameNo: frame.frameNo },
  }),
  object: (
    videoId: string,
    object: { frameNo: number; k: number; timeSec: number; label: string; score: number; box: NonNullable<VectorMetadata["box"]> },
  ): Omit<VectorRecord, "values"> => ({
    id: vectorId.object(videoId, object.frameNo, object.k),
    metadata: { videoId, kind: "object", timeSec: object.timeSec, frameNo: object.frameNo, label: object.label, score: object.score, box: object.box },
  }),
};

/** A guard every adapter applies: a vector of another length belongs to another model. */
export function dimensionCheck(model: string, dimension: number): (values: Float32Array | number[]) => void {
  return (values) => {
    if (values.length !== dimension) throw new Error(`vector has ${values.length} dimensions; the index for ${model} has ${dimension}`);
  };
}
