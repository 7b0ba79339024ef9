/**
 * Near-duplicate detection for sampled frames (pure functions, no I/O).
 *
 * A frame's signature has two parts, and two frames are near-duplicates only when BOTH agree:
 *  - a 64-bit difference hash (dHash) of a 9x8 grey grid: structure (edges, layout). A dHash
 *    alone sees every solid colour (and every smooth gradient of any hue) as the same picture;
 *  - an 8x8 RGB thumbnail: colour and brightness.
 * Both are box averages over the whole frame, computed in one pass over packed rgb24 pixels.
 */

export interface FrameSignature {
  /** 64-bit difference hash: bit r*8+c is set when grid cell (r,c) is brighter than (r,c+1). */
  dhash: bigint;
  /** 8x8 RGB box-averaged thumbnail, packed rgb (192 bytes). */
  thumb: Uint8Array;
}

export interface DedupThresholds {
  /** Most dHash bits (of 64) that may differ for frames to count as duplicates. */
  maxHashDistance: number;
  /** Largest mean absolute difference (0..255) between the 8x8 thumbnails' channels. */
  maxColourDistance: number;
  /** Largest difference (0..255, channel mean) of any single thumbnail cell: a small object
   * entering a still scene changes one or two cells a lot but the frame's mean very little. */
  maxCellDistance: number;
}

/**
 * Measured with 640-wide frames one second apart: encoder noise on a static noisy scene gives
 * colour ~0.6, cell ~1, hash 0; ffmpeg's moving test patterns (a small moving object on a still
 * background) give colour 3-14, cell 40+, hash 0-7; a cut between solid colours gives colour
 * ~170 and hash 0.
 */
export const DEFAULT_DEDUP_THRESHOLDS: DedupThresholds = Object.freeze({ maxHashDistance: 6, maxColourDistance: 6, maxCellDistance: 20 });

/** Grey levels by which a cell must be brighter than its right neighbour for its bit to be set:
 * a small dead zone, so encoder noise in flat areas does not flip bits between copies. */
const HASH_DEAD_ZONE = 1;

export function frameSignature(rgb: Uint8Array, width: number, height: number): FrameSignature {
  if (width <= 0 || height <= 0 || rgb.length < width * height * 3) {
    throw new RangeError(`frameSignature: ${rgb.length} bytes is not a ${width}x${height} rgb24 frame`);
  }
  // Sums per cell for a 9x8 grid (hash) and an 8x8 grid (thumbnail), in one pass.
  const hashSums = new Float64Array(9 * 8 * 3);
  const hashCounts = new Float64Array(9 * 8);
  const thumbSums = new Float64Array(8 * 8 * 3);
  const thumbCounts = new Float64Array(8 * 8);
  const hashCol = new Uint8Array(width);
  const thumbCol = new Uint8Array(width);
  for (let x = 0; x < width; x++) {
    hashCol[x] = Math.min(8, Math.floor((x * 9) / width));
    thumbCol[x] = Math.min(7, Math.floor((x * 8) / width));
  }
  for (let y = 0; y < height; y++) {
    const row = Math.min(7, Math.floor((y * 8) / height));
    const hashRow = row * 9;
    const thumbRow = row * 8;
    let offset = y * width * 3;
    for (let x = 0; x < width; x++, offset += 3) {
      const r = rgb[offset]!;
      const g = rgb[offset + 1]!;
      const b = rgb[offset + 2]!;
      const h = hashRow + hashCol[x]!;
      hashSums[h * 3]! += r;
      hashSums[h * 3 + 1]! += g;
      hashSums[h * 3 + 2]! += b;
      hashCounts[h]! += 1;
      const t = thumbRow + thumbCol[x]!;
      thumbSums[t * 3]! += r;
      thumbSums[t * 3 + 1]! += g;
      thumbSums[t * 3 + 2]! += b;
      thumbCounts[t]! += 1;
    }
  }
  const grey = new Float64Array(9 * 8);
  for (let i = 0; i < 72; i++) {
    const n = hashCounts[i]! || 1;
    grey[i] = (0.299 * hashSums[i * 3]! + 0.587 * hashSums[i * 3 + 1]! + 0.114 * hashSums[i * 3 + 2]!) / n;
  }
  let dhash = 0n;
  for (let r = 0; r < 8; r++) {
    for (let c = 0; c < 8; c++) {
      if (grey[r * 9 + c]! - grey[r * 9 + c + 1]! > HASH_DEAD_ZONE) dhash |= 1n << BigInt(r * 8 + c);
    }
  }
  const thumb = new Uint8Array(192);
  for (let i = 0; i < 64; i++) {
    const n = thumbCounts[i]! || 1;
    for (let ch = 0; ch < 3; ch++) thumb[i * 3 + ch] = Math.round(thumbSums[i * 3 + ch]! / n);
  }
  return { dhash, thumb };
}

/** Number of differing bits between two 64-bit hashes. */
export function hammingDistance(a: bigint, b: bigint): number {
  let x = BigInt.asUintN(64, a ^ b);
  let count = 0;
  while (x) {
    x &= x - 1n;
    count++;
  }
  return count;
}

/** Mean absolute difference (0..255) between two thumbnails' channel values. */
export function colourDistance(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length || a.length === 0) return 255;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/** Largest per-cell difference (0..255, mean of the cell's three channels) between thumbnails. */
export function cellDistance(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length || a.length === 0) return 255;
  let max = 0;
  for (let i = 0; i + 2 < a.length; i += 3) {
    const d = (Math.abs(a[i]! - b[i]!) + Math.abs(a[i + 1]! - b[i + 1]!) + Math.abs(a[i + 2]! - b[i + 2]!)) / 3;
    if (d > max) max = d;
  }
  return max;
}

/** Same structure AND same colours, overall and in every cell: one is a near-duplicate of the other. */
export function isNearDuplicate(a: FrameSignature, b: FrameSignature, thresholds: DedupThresholds = DEFAULT_DEDUP_THRESHOLDS): boolean {
  return (
    hammingDistance(a.dhash, b.dhash) <= thresholds.maxHashDistance &&
    colourDistance(a.thumb, b.thumb) <= thresholds.maxColourDistance &&
    cellDistance(a.thumb, b.thumb) <= thresholds.maxCellDistance
  );
}
