/**
 * Post-processing shared by every adapter: corner boxes clamped to the image, then the score
 * threshold, per-label non-maximum suppression and the per-image cap. Pure functions, run in
 * the detector worker threads.
 */
import type { Box, Detection } from "./types.js";

/** Boxes of one label overlapping more than this (intersection over union) are one object. */
export const NMS_IOU_THRESHOLD = 0.5;

export interface Selection {
  threshold: number;
  maxObjects: number;
  iouThreshold?: number;
}

const clamp01 = (value: number) => (Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0);

/**
 * A normalised box from corners (x0, y0, x1, y1), clamped to the image; undefined when nothing of
 * it is left inside the image (or a coordinate is not a number).
 */
export function boxFromCorners(x0: number, y0: number, x1: number, y1: number): Box | undefined {
  if (![x0, y0, x1, y1].every(Number.isFinite)) return undefined;
  const left = clamp01(Math.min(x0, x1));
  const top = clamp01(Math.min(y0, y1));
  const right = clamp01(Math.max(x0, x1));
  const bottom = clamp01(Math.max(y0, y1));
  if (right <= left || bottom <= top) return undefined;
  return { x: left, y: top, w: right - left, h: bottom - top };
}

export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const intersection = w * h;
  return intersection / (a.w * a.h + b.w * b.h - intersection);
}

/**
 * Keeps candidates scoring at least `threshold`, best first; drops a candidate that overlaps a
 * better one of the same label by more than the IoU threshold (a person may stand behind a
 * table, but two "person" boxes on one person are one detection); stops at `maxObjects`.
 */
export function selectDetections(candidates: readonly Detection[], selection: Selection): Detection[] {
  const iouThreshold = selection.iouThreshold ?? NMS_IOU_THRESHOLD;
  const limit = Math.max(0, Math.floor(selection.maxObjects));
  const ranked = candidates
    .filter((c) => Number.isFinite(c.score) && c.score >= selection.threshold)
    .sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const candidate of ranked) {
    if (kept.length >= limit) break;
    const duplicate = kept.some((k) => k.label === candidate.label && iou(k.box, candidate.box) > iouThreshold);
    if (!duplicate) kept.push(candidate);
  }
  return kept;
}
