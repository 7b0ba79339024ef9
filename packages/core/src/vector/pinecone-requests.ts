/**
 * How this project talks to Pinecone, below any one index: requests that retry what may pass
 * later, outages as a 503 of their own, compact values, upserts packed to Pinecone's limits, and
 * metadata flattened as Pinecone stores it.
 */
import { VisibleError, errorMessage } from "../error.js";
import type { Logger } from "../log.js";
import type { VectorMetadata } from "./vector-index.js";

/** Pinecone's request limits: 2 MB and 1,000 vectors an upsert. */
export const UPSERT_MAX_BYTES = 2_000_000;
export const UPSERT_MAX_RECORDS = 1000;

/**
 * VectorMetadata as Pinecone stores it: flat (metadata values are strings, numbers, booleans or
 * lists of strings, so an object's box becomes four numbers), plus the model that made the vector.
 */
export type Metadata = {
  videoId: string;
  kind: string;
  timeSec: number;
  frameNo: number;
  model: string;
  label?: string;
  score?: number;
  /** The object's box, normalised to the frame. */
  boxX?: number; boxY?: number; boxW?: number; boxH?: number;
};

export function toPinecone(metadata: VectorMetadata, model: string): Metadata {
  const { box, ...rest } = metadata;
  const flat: Metadata = { ...rest, model };
  if (box) Object.assign(flat, { boxX: box.x, boxY: box.y, boxW: box.w, boxH: box.h });
  return flat;
}

export function fromPinecone(metadata: Partial<Metadata> | undefined): VectorMetadata {
  const result: VectorMetadata = {
    videoId: String(metadata?.videoId ?? ""),
    kind: metadata?.kind === "object" ? "object" : "frame",
    timeSec: Number(metadata?.timeSec ?? 0),
    frameNo: Number(metadata?.frameNo ?? 0),
  };
  if (metadata?.label !== undefined) result.label = metadata.label;
  if (metadata?.score !== undefined) result.score = metadata.score;
  if (metadata?.boxX !== undefined) result.box = { x: metadata.boxX, y: metadata.boxY ?? 0, w: metadata.boxW ?? 0, h: metadata.boxH ?? 0 };
  return result;
}

export interface RetryOptions {
  /** Retries after the first try; default 6. */
  retries?: number;
  /** First backoff; it doubles each retry, with jitter; default 250 ms. */
  baseDelayMs?: number;
  /** Longest single wait; default 10 s. */
  maxDelayMs?: number;
}

/**
 * fetch that retries what may succeed later: 429 (rate limited), 5xx and dropped connections,
 * with exponential backoff and jitter, honouring Retry-After. Request bodies are JSON strings, so
 * a retry resends the same request.
 */
export function retryingFetch(base: typeof fetch, options: RetryOptions & { log?: Logger } = {}): typeof fetch {
  const retries = options.retries ?? 6;
  const baseDelay = options.baseDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 10_000;
  return async (input, init) => {
    for (let attempt = 0; ; attempt++) {
      let response: Response | undefined;
      let failure: unknown;
      try {
        response = await base(input, init);
      } catch (error) {
        failure = error;
      }
      const retryable = response ? response.status === 429 || response.status >= 500 : failure instanceof TypeError;
      if (!retryable || attempt >= retries) {
        if (response) return response;
        throw failure;
      }
      const backoff = Math.min(maxDelay, baseDelay * 2 ** attempt) * (0.5 + Math.random() / 2);
      const retryAfter = Number(response?.headers.get("retry-after"));
      const delay = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(30_000, Math.max(backoff, retryAfter * 1000)) : backoff;
      options.log?.warn("pinecone request will be retried", {
        status: response?.status,
        error: failure ? errorMessage(failure) : undefined,
        attempt: attempt + 1,
        retryInMs: Math.round(delay),
      });
      await response?.body?.cancel().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  };
}

/** SDK errors for answers retryingFetch retried and still got: 429, 5xx, no connection. */
const TRANSIENT_ERRORS = new Set(["PineconeInternalServerError", "PineconeUnavailableError", "PineconeConnectionError", "PineconeMaxRetriesExceededError"]);

/**
 * Pinecone still failing after the retries is an outage the caller may wait out: a 503 with a
 * code of its own (and a transient failure for a job), not an internal error.
 */
export function vectorStoreUnavailable(error: unknown): unknown {
  const name = (error as { name?: string } | undefined)?.name ?? "";
  const message = errorMessage(error);
  // 429 (and 502, 504) reach the caller as "unmapped", with the status in the message.
  const transient = TRANSIENT_ERRORS.has(name) || (name === "PineconeUnmappedHttpError" && /Status: (429|5\d\d)\./.test(message));
  if (!transient) return error;
  return new VisibleError("vector.unavailable", `The vector index (Pinecone) is not answering: try again in a minute. (${message})`, 503, false);
}

/**
 * Float32 values printed with 9 significant digits: enough to give back the same float32, and
 * about 40% fewer bytes than the shortest double repr, so more vectors fit in an upsert.
 */
export const compact = (values: Float32Array | number[]) => Array.from(values, (v) => Number(Math.fround(v).toPrecision(9)));

/**
 * Splits records into upsert requests of at most `maxBytes` of JSON and `maxRecords` records,
 * keeping their order.
 */
export function packUpserts<T>(records: T[], options: { maxBytes?: number; maxRecords?: number; namespace?: string } = {}): T[][] {
  const maxRecords = options.maxRecords ?? UPSERT_MAX_RECORDS;
  // The envelope: {"vectors":[...],"namespace":"..."}
  const envelope = Buffer.byteLength(JSON.stringify({ vectors: [], namespace: options.namespace ?? "" }));
  const budget = (options.maxBytes ?? UPSERT_MAX_BYTES) - envelope;
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = Buffer.byteLength(JSON.stringify(record)) + 1; // and a comma
    if (size > budget) throw new Error(`one vector record is ${size} bytes, more than an upsert request may carry (${budget})`);
    if (batch.length > 0 && (bytes + size > budget || batch.length >= maxRecords)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(record);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
