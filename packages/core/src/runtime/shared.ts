import type { SharedConfig } from "../config.js";
import { loadObjectDetector } from "../detector/index.js";
import { configureModelHub, loadClipEmbedder, type ModelSource } from "../embedder/index.js";
import type { Services, Settings } from "../services.js";
import { memoiseByKey } from "../util/memo.js";

/** What every composition root hands the domain from the shared settings. */
export function settingsFrom(config: SharedConfig): Settings {
  return {
    clipModel: config.clipModel,
    maxUploadBytes: config.maxUploadBytes,
    maxDurationSec: config.maxDurationSec,
    media: config.media,
    rateLimits: config.rateLimits,
    maxAttempts: config.maxAttempts,
    visibilityTimeoutSec: config.visibilityTimeoutSec,
    sampling: config.sampling,
    segmentSec: config.segmentSec,
    frameWidth: config.frameWidth,
    embedBatch: config.embedBatch,
    trackEmbedSec: config.trackEmbedSec,
    propagateScore: config.propagateScore,
    probableScore: config.probableScore,
  };
}

/**
 * How long a model that failed to load keeps answering with its failure before the next use tries
 * again. A failed load reads the model's files (or asks the hub) only to fail again: without this,
 * every search and status call of a library whose model is gone paid about a second for it.
 */
export const MODEL_RETRY_MS = 30_000;

/**
 * The models, each loaded on first use (once per process), the same way in every runtime. Both
 * use `cacheDir` for hub models; with downloads off, transformers.js is told never to fetch (the
 * detector's models) and the embedder reads only what is already in `cacheDir` or the folder. An
 * embedder that failed to load answers with its failure for MODEL_RETRY_MS, then is tried again
 * (the files may be back), or at once for a caller that asks (a job's attempt).
 */
export function modelLoaders(config: SharedConfig, cacheDir?: string): Pick<Services, "embedder" | "detector"> {
  const threads = config.threads ? { threads: config.threads } : {};
  const hub = () => configureModelHub({ ...(cacheDir ? { cacheDir } : {}), allowDownload: config.modelDownload });
  // What a deployment did not ship (a text model, a library's earlier model) may still download
  // into its own folder (VOS_MODEL_DOWNLOAD_DIR) while the shipped model's folder stays read-only.
  const elsewhere = config.modelDownloadDir ? { cacheDir: config.modelDownloadDir, allowDownload: true } : undefined;
  const embedder = memoiseByKey(
    async (source: ModelSource | undefined) => {
      await hub();
      const files = source && elsewhere ? elsewhere : { allowDownload: config.modelDownload, ...(cacheDir ? { cacheDir } : {}) };
      // A hub model's identity is its id and revision, whatever the dtype: one downloaded for
      // searches takes this server's files (the API's q8: a quarter of the worker's fp32).
      const recorded = source && !(elsewhere && source.revision !== null) ? source : undefined;
      return loadClipEmbedder({
        model: source?.model ?? config.clipModel,
        revision: source ? (source.revision ?? undefined) : config.clip.revision,
        textDtype: recorded?.textDtype ?? config.clip.textDtype,
        visionDtype: recorded?.visionDtype ?? config.clip.visionDtype,
        device: config.clip.device,
        // The configured model's text tower may be another model's (VOS_CLIP_TEXT_MODEL); a
        // model loaded from a library's record keeps its own.
        ...(!source && config.clip.textModel ? { textModel: { ...config.clip.textModel, ...elsewhere } } : {}),
        batchSize: config.embedBatch,
        ...threads,
        ...files,
      });
    },
    (source) => JSON.stringify(source ? [source.model, source.revision ?? null, source.textDtype ?? null, source.visionDtype ?? null] : null),
    { keepFailureMs: MODEL_RETRY_MS },
  );
  return {
    embedder: (source?: ModelSource, options?: { retryFailure?: boolean }) => embedder(source, options),
    detector: async () => {
      await hub();
      return config.detector ? loadObjectDetector({ ...config.detector, ...threads }) : undefined;
    },
  };
}
