import type { SharedConfig } from "../config.js";
import { loadObjectDetector } from "../detector/index.js";
import { loadClipEmbedder } from "../embedder/index.js";
import type { Services, Settings } from "../services.js";

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
    frameWidth: config.frameWidth,
    embedBatch: config.embedBatch,
    propagateScore: config.propagateScore,
    probableScore: config.probableScore,
  };
}

/** The models, each loaded on first use (once per process), the same way in every runtime. */
export function modelLoaders(config: SharedConfig, cacheDir?: string): Pick<Services, "embedder" | "detector"> {
  const threads = config.threads ? { threads: config.threads } : {};
  return {
    embedder: () => loadClipEmbedder({ model: config.clipModel, batchSize: config.embedBatch, ...threads, ...(cacheDir ? { cacheDir } : {}) }),
    detector: async () => (config.detector ? loadObjectDetector({ ...config.detector, ...threads }) : undefined),
  };
}
