import { Pinecone } from "@pinecone-database/pinecone";
import { VisibleError } from "../error.js";
import type { Logger } from "../log.js";
import { retryingFetch, type RetryOptions } from "./pinecone-requests.js";

export interface EnsureIndexOptions {
  apiKey: string;
  index: string;
  dimension: number;
  cloud: "aws" | "gcp" | "azure";
  region: string;
  controllerHost?: string;
  /** How long to wait for a new index to be ready; default 5 minutes. */
  readyTimeoutMs?: number;
  retry?: RetryOptions;
  log: Logger;
}

/**
 * Creates the Pinecone serverless index (cosine, the model's dimension) when it is missing, and
 * waits until it is ready. An existing index is kept; one of another dimension or metric stops
 * the deploy with what to do, since its vectors could never be searched with this model.
 */
export async function ensurePineconeIndex(options: EnsureIndexOptions): Promise<{ created: boolean; host: string; dimension: number }> {
  const pinecone = new Pinecone({
    apiKey: options.apiKey,
    maxRetries: 0,
    fetchApi: retryingFetch(fetch, { ...options.retry, log: options.log }),
    ...(options.controllerHost ? { controllerHostUrl: options.controllerHost } : {}),
  });
  let existing;
  try {
    existing = await pinecone.describeIndex(options.index);
  } catch (error) {
    if ((error as { name?: string }).name !== "PineconeNotFoundError") throw error;
  }
  if (existing) {
    if (existing.dimension !== options.dimension || existing.metric !== "cosine") {
      throw new VisibleError(
        "vector.index_mismatch",
        `The Pinecone index '${options.index}' exists with dimension ${existing.dimension} and metric ${existing.metric}; this deployment needs ` +
          `dimension ${options.dimension} (VOS_EMBED_DIMENSION) and cosine. Use another VOS_PINECONE_INDEX name, or delete that index.`,
        409,
      );
    }
    options.log.info("pinecone index exists", { index: options.index, dimension: existing.dimension, host: existing.host });
    return { created: false, host: existing.host, dimension: options.dimension };
  }
  options.log.info("creating pinecone index", { index: options.index, dimension: options.dimension, cloud: options.cloud, region: options.region });
  const created = await pinecone.createIndex({
    name: options.index,
    dimension: options.dimension,
    metric: "cosine",
    spec: { serverless: { cloud: options.cloud, region: options.region } },
    waitUntilReady: true,
    suppressConflicts: true, // another deploy created it meanwhile
    timeout: options.readyTimeoutMs ?? 300_000,
  });
  const ready = created ?? (await pinecone.describeIndex(options.index));
  return { created: true, host: ready.host, dimension: options.dimension };
}
