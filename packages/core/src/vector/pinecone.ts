import { Pinecone, type PineconeRecord } from "@pinecone-database/pinecone";
import { VisibleError, errorMessage } from "../error.js";
import type { Logger } from "../log.js";
import { dimensionCheck, modelKeyOf, type VectorIndex, type VectorMatch, type VectorMetadata, type VectorModel, type VectorRecord, type VectorStore } from "./vector-index.js";
import { memoise, memoiseByKey } from "../util/memo.js";

/** Pinecone's request limits: 2 MB and 1,000 vectors an upsert; ids a page of `list`. */
export const UPSERT_MAX_BYTES = 2_000_000;
export const UPSERT_MAX_RECORDS = 1000;
const LIST_PAGE = 100;
const DELETE_BATCH = 1000;
const FETCH_BATCH = 100;

/**
 * VectorMetadata as Pinecone stores it: flat (metadata values are strings, numbers, booleans or
 * lists of strings, so an object's box becomes four numbers), plus the model that made the vector.
 */
type Metadata = {
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

function toPinecone(metadata: VectorMetadata, model: string): Metadata {
  const { box, ...rest } = metadata;
  const flat: Metadata = { ...rest, model };
  if (box) Object.assign(flat, { boxX: box.x, boxY: box.y, boxW: box.w, boxH: box.h });
  return flat;
}

function fromPinecone(metadata: Partial<Metadata> | undefined): VectorMetadata {
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
function vectorStoreUnavailable(error: unknown): unknown {
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
const compact = (values: Float32Array | number[]) => Array.from(values, (v) => Number(Math.fround(v).toPrecision(9)));

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

export interface PineconeStoreOptions {
  /** The key, or how to get it on first use (Lambda functions read the bound SST secret). */
  apiKey: string | (() => Promise<string>);
  index: string;
  /** Data-plane host; default: the one describe_index reports. */
  host?: string;
  /** Control plane; default: Pinecone's. */
  controllerHost?: string;
  retry?: RetryOptions;
  /** Upserts sent at once; default 4. */
  upsertConcurrency?: number;
  log: Logger;
  fetch?: typeof fetch;
}

/**
 * Vectors in one Pinecone serverless index, a namespace per tenant. Ids are deterministic
 * (`<videoId>#f<frameNo>`), so a retried job overwrites; a video's vectors are found by listing
 * its id prefix (serverless indexes delete by id, not by filter). The index has one dimension,
 * checked against the model on first use, and each vector records its model, which every query
 * filters on: vectors of two models never mix.
 */
export function createPineconeStore(options: PineconeStoreOptions): VectorStore {
  const log = options.log.child({ component: "pinecone", index: options.index });

  const pinecone = memoise(async () => {
    const apiKey = typeof options.apiKey === "string" ? options.apiKey : await options.apiKey();
    return new Pinecone({
      apiKey,
      maxRetries: 0, // retryingFetch retries, including 429s
      fetchApi: retryingFetch(options.fetch ?? fetch, { ...options.retry, log }),
      ...(options.controllerHost ? { controllerHostUrl: options.controllerHost } : {}),
    });
  });

  const describe = memoise(async () => {
    try {
      const model = await (await pinecone()).describeIndex(options.index);
      return { dimension: model.dimension, host: model.host };
    } catch (error) {
      if ((error as { name?: string }).name === "PineconeNotFoundError") {
        throw new VisibleError(
          "vector.index_missing",
          `The Pinecone index '${options.index}' does not exist: deploy again (the pinecone-index script creates it) or set VOS_PINECONE_INDEX to an existing index.`,
          503,
        );
      }
      throw error;
    }
  });

  const data = memoise(async () => {
    const host = options.host ?? (await describe()).host;
    return (await pinecone()).index<Metadata>({ name: options.index, host });
  });

  async function listIds(namespace: string, prefix: string): Promise<string[]> {
    const index = await data();
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await index.listPaginated({ namespace, prefix, limit: LIST_PAGE, ...(token ? { paginationToken: token } : {}) });
      for (const item of page.vectors ?? []) if (item.id) ids.push(item.id);
      token = page.pagination?.next;
    } while (token);
    return ids;
  }

  async function deleteByPrefix(namespace: string, prefix: string): Promise<number> {
    const ids = await listIds(namespace, prefix);
    const index = await data();
    for (let i = 0; i < ids.length; i += DELETE_BATCH) await index.deleteMany({ namespace, ids: ids.slice(i, i + DELETE_BATCH) });
    if (ids.length > 0) log.info("vectors deleted", { namespace, prefix, vectors: ids.length });
    return ids.length;
  }

  async function openIndex(vectorModel: VectorModel, dimension: number): Promise<VectorIndex> {
    const { key: model, aliases } = modelKeyOf(vectorModel);
    // Vectors written before models had identities carry an alias (the configured hub id).
    const mine = new Set([model, ...aliases]);
    const described = await describe();
    if (described.dimension !== undefined && described.dimension !== dimension) {
      throw new VisibleError(
        "vector.dimension_mismatch",
        `The Pinecone index '${options.index}' holds ${described.dimension}-dimensional vectors but the model ${model} makes ${dimension}: ` +
          `create an index of dimension ${dimension} (VOS_EMBED_DIMENSION=${dimension}) and point VOS_PINECONE_INDEX at it, or use a model of dimension ${described.dimension}.`,
        503,
      );
    }
    const check = dimensionCheck(model, dimension);

    return {
      model,
      dimension,

      async upsert(namespace, records) {
        if (records.length === 0) return;
        for (const record of records) check(record.values);
        const index = await data();
        const rows: PineconeRecord<Metadata>[] = records.map((record) => ({
          id: record.id,
          values: compact(record.values),
          metadata: toPinecone(record.metadata, model),
        }));
        const batches = packUpserts(rows, { namespace });
        const concurrency = Math.max(1, options.upsertConcurrency ?? 4);
        for (let i = 0; i < batches.length; i += concurrency) {
          await Promise.all(batches.slice(i, i + concurrency).map((batch) => index.upsert({ namespace, records: batch }))).catch((error: unknown) => {
            throw vectorStoreUnavailable(error);
          });
        }
        log.debug("vectors upserted", { namespace, vectors: rows.length, requests: batches.length });
      },

      async query(namespace, { vector, topK, filter = {} }) {
        check(vector);
        const index = await data();
        const where: Record<string, { $eq: unknown } | { $in: unknown[] }> = { model: aliases.length > 0 ? { $in: [...mine] } : { $eq: model } };
        for (const [key, value] of Object.entries(filter)) if (value !== undefined) where[key] = { $eq: value };
        const result = await index.query({ namespace, vector: compact(vector), topK, filter: where, includeMetadata: true, includeValues: false }).catch((error: unknown) => {
          throw vectorStoreUnavailable(error);
        });
        return result.matches
          .map((match): VectorMatch => ({ id: match.id, score: match.score ?? 0, metadata: fromPinecone(match.metadata) }))
          .sort((a, b) => b.score - a.score);
      },

      async fetch(namespace, ids) {
        const found = new Map<string, VectorRecord>();
        const index = await data();
        for (let i = 0; i < ids.length; i += FETCH_BATCH) {
          const result = await index.fetch({ namespace, ids: ids.slice(i, i + FETCH_BATCH) }).catch((error: unknown) => {
            throw vectorStoreUnavailable(error);
          });
          for (const [id, record] of Object.entries(result.records ?? {})) {
            if (record.metadata?.model !== undefined && !mine.has(String(record.metadata.model))) continue;
            found.set(id, { id, values: record.values ?? [], metadata: fromPinecone(record.metadata) });
          }
        }
        return found;
      },

      listIds,
      deleteByPrefix,
    };
  }
  const opened = memoiseByKey(({ model, dimension }: { model: VectorModel; dimension: number }) => openIndex(model, dimension), ({ model, dimension }) => `${modelKeyOf(model).key}\u0000${dimension}`);

  return {
    modelsApart: false, // one namespace per tenant holds every model's vectors, under the same ids
    index: (model, dimension) => opened({ model, dimension }),
    deleteByPrefix,
    listIds,
  };
}
