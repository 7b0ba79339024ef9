import { Pinecone, type PineconeRecord } from "@pinecone-database/pinecone";
import { VisibleError } from "../error.js";
import type { Logger } from "../log.js";
import { memoise, memoiseByKey } from "../util/memo.js";
import { ensurePineconeIndex } from "./pinecone-index.js";
import { isModelIndex, modelIndexName, ownerOf, recordOwner } from "./pinecone-owner.js";
import { compact, fromPinecone, packUpserts, retryingFetch, toPinecone, vectorStoreUnavailable, type Metadata, type RetryOptions } from "./pinecone-requests.js";
import { dimensionCheck, modelKeyOf, type VectorIndex, type VectorMatch, type VectorModel, type VectorRecord, type VectorStore } from "./vector-index.js";

export { packUpserts, retryingFetch, UPSERT_MAX_BYTES, UPSERT_MAX_RECORDS, type RetryOptions } from "./pinecone-requests.js";

/** Ids a page of `list`; ids a delete and a fetch request. */
const LIST_PAGE = 100;
const DELETE_BATCH = 1000;
const FETCH_BATCH = 100;

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
  /** Where an index for another model than the deployment index's is made (the deploy's settings); absent: none is. */
  create?: { cloud: "aws" | "gcp" | "azure"; region: string };
}

/**
 * Vectors in Pinecone serverless indexes, a namespace per tenant. Ids are deterministic
 * (`<videoId>#f<frameNo>`), so a retried job overwrites; a video's vectors are found by listing
 * its id prefix (serverless indexes delete by id, not by filter). The deployment's index holds
 * one model's vectors and each other model gets an index of its own (pinecone-owner.ts), created
 * as the deploy creates the first; each vector also records its model, which every query filters on.
 */
export function createPineconeStore(options: PineconeStoreOptions): VectorStore {
  const log = options.log.child({ component: "pinecone", index: options.index });
  const apiKey = memoise(async () => (typeof options.apiKey === "string" ? options.apiKey : options.apiKey()));

  const pinecone = memoise(async () => {
    return new Pinecone({
      apiKey: await apiKey(),
      maxRetries: 0, // retryingFetch retries, including 429s
      fetchApi: retryingFetch(options.fetch ?? fetch, { ...options.retry, log }),
      ...(options.controllerHost ? { controllerHostUrl: options.controllerHost } : {}),
    });
  });

  /** An index's dimension and host; undefined when there is no such index. */
  async function describeIndex(name: string): Promise<{ dimension: number | undefined; host: string } | undefined> {
    try {
      const model = await (await pinecone()).describeIndex(name);
      return { dimension: model.dimension, host: model.host };
    } catch (error) {
      if ((error as { name?: string }).name === "PineconeNotFoundError") return undefined;
      throw vectorStoreUnavailable(error);
    }
  }

  const describe = memoise(async () => {
    const found = await describeIndex(options.index);
    if (!found) {
      throw new VisibleError(
        "vector.index_missing",
        `The Pinecone index '${options.index}' does not exist: deploy again (the pinecone-index script creates it) or set VOS_PINECONE_INDEX to an existing index.`,
        503,
      );
    }
    return found;
  });

  /** The data plane of an index that exists (the deployment's, or a model's once made). */
  const dataOf = memoiseByKey(async (name: string) => {
    const host = name === options.index ? (options.host ?? (await describe()).host) : (await describeIndex(name))?.host;
    if (!host) throw new Error(`the Pinecone index '${name}' does not exist`);
    return (await pinecone()).index<Metadata>({ name, host });
  });

  /** The deployment's index and the model indexes made beside it. */
  async function indexNames(): Promise<string[]> {
    const listed = await (await pinecone()).listIndexes().catch((error: unknown) => {
      throw vectorStoreUnavailable(error);
    });
    return [options.index, ...(listed.indexes ?? []).map((index) => index.name).filter((name) => isModelIndex(options.index, name))];
  }

  async function listIdsIn(name: string, namespace: string, prefix: string): Promise<string[]> {
    const index = await dataOf(name);
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await index.listPaginated({ namespace, prefix, limit: LIST_PAGE, ...(token ? { paginationToken: token } : {}) });
      for (const item of page.vectors ?? []) if (item.id) ids.push(item.id);
      token = page.pagination?.next;
    } while (token);
    return ids;
  }

  async function deleteIn(name: string, namespace: string, prefix: string): Promise<number> {
    const ids = await listIdsIn(name, namespace, prefix);
    const index = await dataOf(name);
    for (let i = 0; i < ids.length; i += DELETE_BATCH) await index.deleteMany({ namespace, ids: ids.slice(i, i + DELETE_BATCH) });
    if (ids.length > 0) log.info("vectors deleted", { index: name, namespace, prefix, vectors: ids.length });
    return ids.length;
  }

  /** Every index's, so a video is found (and deleted) whichever models indexed it. */
  async function listIds(namespace: string, prefix: string): Promise<string[]> {
    const ids = new Set<string>();
    for (const name of await indexNames()) for (const id of await listIdsIn(name, namespace, prefix)) ids.add(id);
    return [...ids];
  }

  async function deleteByPrefix(namespace: string, prefix: string): Promise<number> {
    let deleted = 0;
    for (const name of await indexNames()) deleted += await deleteIn(name, namespace, prefix);
    return deleted;
  }

  /**
   * The index a model's vectors go to: the deployment's when the model owns it (or claims it: an
   * empty index of its dimension), else its own, made now if it is missing.
   */
  let owner: string | undefined;
  async function indexFor(mine: Set<string>, key: string, dimension: number): Promise<string> {
    const base = await describe();
    if (!owner) {
      owner = await ownerOf(await dataOf(options.index)).catch((error: unknown) => {
        throw vectorStoreUnavailable(error);
      });
      if (!owner && (base.dimension === undefined || base.dimension === dimension)) owner = key;
      if (owner) await recordOwner(await dataOf(options.index), owner, base.dimension ?? dimension);
    }
    if (owner && mine.has(owner)) return options.index;
    const name = modelIndexName(options.index, key);
    if (await describeIndex(name)) return name;
    if (!options.create) {
      throw new VisibleError(
        "vector.index_missing",
        `The Pinecone index '${options.index}' holds another model's vectors, and this runtime does not create an index for ${key} ('${name}'): set VOS_PINECONE_CLOUD and VOS_PINECONE_REGION.`,
        503,
      );
    }
    await ensurePineconeIndex({ apiKey: await apiKey(), index: name, dimension, ...options.create, ...(options.controllerHost ? { controllerHost: options.controllerHost } : {}), ...(options.retry ? { retry: options.retry } : {}), log });
    return name;
  }

  async function openIndex(vectorModel: VectorModel, dimension: number): Promise<VectorIndex> {
    const { key: model, aliases } = modelKeyOf(vectorModel);
    // Vectors written before models had identities carry an alias (the configured hub id).
    const mine = new Set([model, ...aliases]);
    const name = await indexFor(mine, model, dimension);
    const described = name === options.index ? await describe() : await describeIndex(name);
    if (described?.dimension !== undefined && described.dimension !== dimension) {
      throw new VisibleError(
        "vector.dimension_mismatch",
        `The Pinecone index '${name}' holds ${described.dimension}-dimensional vectors but the model ${model} makes ${dimension}: ` +
          `create an index of dimension ${dimension} (VOS_EMBED_DIMENSION=${dimension}) and point VOS_PINECONE_INDEX at it, or use a model of dimension ${described.dimension}.`,
        503,
      );
    }
    const data = () => dataOf(name);
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

      listIds: (namespace, prefix) => listIdsIn(name, namespace, prefix),
      deleteByPrefix: (namespace, prefix) => deleteIn(name, namespace, prefix),
    };
  }
  const opened = memoiseByKey(({ model, dimension }: { model: VectorModel; dimension: number }) => openIndex(model, dimension), ({ model, dimension }) => `${modelKeyOf(model).key}\u0000${dimension}`);

  return {
    index: (model, dimension) => opened({ model, dimension }),
    deleteByPrefix,
    listIds,
  };
}
