import type { SharedConfig } from "../config.js";
import { loadObjectDetector } from "../detector/index.js";
import { configureModelHub, loadClipEmbedder, type ModelSource } from "../embedder/index.js";
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
    segmentSec: config.segmentSec,
    frameWidth: config.frameWidth,
    embedBatch: config.embedBatch,
    trackEmbedSec: config.trackEmbedSec,
    propagateScore: config.propagateScore,
    probableScore: config.probableScore,
  };
}

/**
 * The models, each loaded on first use (once per process), the same way in every runtime. Both
 * use `cacheDir` for hub models; with downloads off, transformers.js is told never to fetch (the
 * detector's models) and the embedder reads only what is already in `cacheDir` or the folder.
 */
export function modelLoaders(config: SharedConfig, cacheDir?: string): Pick<Services, "embedder" | "detector"> {
  const threads = config.threads ? { threads: config.threads } : {};
  const hub = () => configureModelHub({ ...(cacheDir ? { cacheDir } : {}), allowDownload: config.modelDownload });
  return {
    embedder: async (source?: ModelSource) => {
      await hub();
      return loadClipEmbedder({
        model: source?.model ?? config.clipModel,
        revision: source ? (source.revision ?? undefined) : config.clip.revision,
        textDtype: source?.textDtype ?? config.clip.textDtype,
        visionDtype: source?.visionDtype ?? config.clip.visionDtype,
        device: config.clip.device,
        allowDownload: config.modelDownload,
        batchSize: config.embedBatch,
        ...threads,
        ...(cacheDir ? { cacheDir } : {}),
      });
    },
    detector: async () => {
      await hub();
      return config.detector ? loadObjectDetector({ ...config.detector, ...threads }) : undefined;
    },
  };
}
