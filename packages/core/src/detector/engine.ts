import type { CenterNetFiles } from "./centernet-model.js";
import type { Selection } from "./select.js";
import type { Detection, RgbImage } from "./types.js";

/**
 * A loaded model behind one or more ObjectDetectors: detectors with different thresholds or caps
 * share it, and it closes with the last of them.
 */
export interface DetectorEngine {
  readonly name: string;
  readonly labels: readonly string[];
  detect(images: RgbImage[], selection: Selection): Promise<Detection[][]>;
  close(): Promise<void>;
}

/**
 * transformers.js settings a worker thread copies from the main thread's `env` (each thread has
 * its own module instance): where models come from and where downloads are cached.
 */
export interface HubSettings {
  allowRemoteModels: boolean;
  allowLocalModels: boolean;
  remoteHost: string;
  remotePathTemplate: string;
  localModelPath: string;
  useFSCache: boolean;
  cacheDir: string | null;
}

/** What a detector worker thread loads. */
export type EngineSpec =
  | { kind: "centernet"; files?: CenterNetFiles }
  | { kind: "transformers"; model: string; threads?: number; hub?: HubSettings };

export interface EngineHooks {
  /** Called at most once, when the engine stops working on its own (its worker thread died). */
  onFailure(error: Error): void;
}
