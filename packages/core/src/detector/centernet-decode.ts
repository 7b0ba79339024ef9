/**
 * What the COCO CenterNet graph (MobileNetV3 backbone, shipped in `@vladmandic/human` as
 * models/centernet.json) takes and gives, and the decoding of its output (pure functions, no tfjs).
 *
 * - input `tower_0/images`: float32 [1, S, S, 3] (S = 512, read from the model's signature), RGB,
 *   values 0-255 (not rescaled: the graph normalises internally). We letterbox: the frame keeps its
 *   aspect ratio, scaled so its longer side is S, in the top-left corner, the rest black. (Stretching
 *   the frame to S x S instead scored people far lower: 0.28 vs 0.44 for the best person in a
 *   4:3 party photo; no person above 0.3 in an 8:1 strip of eight portraits, against seven.)
 * - output `tower_0/detections`: float32 [1, N, 6] (N = 100), one row per heatmap peak, best
 *   first: x0, y0, x1, y1 in input pixels (may overshoot the frame), score (0-1), class index into
 *   COCO_LABELS (0 = person).
 */
import { COCO_LABELS } from "./labels.js";
import { boxFromCorners } from "./select.js";
import type { Detection } from "./types.js";

export const CENTERNET_NAME = "centernet-coco";
export const CENTERNET_INPUT = "tower_0/images";
export const CENTERNET_OUTPUT = "tower_0/detections";
export const CENTERNET_ROW = 6;

/** Where a frame sits in the square input: its top-left corner, scaled to width x height pixels. */
export interface Letterbox {
  width: number;
  height: number;
}

/** The size a width x height frame is scaled to inside the square input of side `inputSize`. */
export function letterbox(width: number, height: number, inputSize: number): Letterbox {
  const scale = inputSize / Math.max(width, height);
  return {
    width: Math.min(inputSize, Math.max(1, Math.round(width * scale))),
    height: Math.min(inputSize, Math.max(1, Math.round(height * scale))),
  };
}

/**
 * Turns the raw [N, 6] output for one frame into candidates (no threshold yet) with boxes
 * normalised to the frame, which fills `frame` pixels of the input's top-left corner.
 */
export function decodeCenterNet(rows: Float32Array, frame: Letterbox, labels: readonly string[] = COCO_LABELS): Detection[] {
  const candidates: Detection[] = [];
  for (let offset = 0; offset + CENTERNET_ROW <= rows.length; offset += CENTERNET_ROW) {
    const [x0, y0, x1, y1, score, index] = Array.from(rows.subarray(offset, offset + CENTERNET_ROW));
    const label = Number.isInteger(index) ? labels[index!] : undefined;
    if (label === undefined || !Number.isFinite(score)) continue;
    const box = boxFromCorners(x0! / frame.width, y0! / frame.height, x1! / frame.width, y1! / frame.height);
    if (box) candidates.push({ label, score: score!, box });
  }
  return candidates;
}
