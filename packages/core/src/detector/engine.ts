import type { Selection } from "./select.js";
import type { Detection, RgbImage } from "./types.js";

/**
 * A loaded model behind one or more ObjectDetectors: detectors with different thresholds or caps
 * share it (one CenterNet worker thread, one ONNX session), and it closes with the last of them.
 */
export interface DetectorEngine {
  readonly name: string;
  readonly labels: readonly string[];
  detect(images: RgbImage[], selection: Selection): Promise<Detection[][]>;
  close(): Promise<void>;
}

export interface EngineHooks {
  /** Called at most once, when the engine stops working on its own (its worker thread died). */
  onFailure(error: Error): void;
}
