/**
 * Synthetic frame vectors shaped like a video library's CLIP embeddings: unit vectors that share
 * a common direction (CLIP image embeddings sit in a narrow cone), a direction per video and per
 * scene, and a little per-frame noise. Cosine similarity is then about 0.96 within a scene, 0.73
 * within a video and 0.4 between videos. Seeded: the same options give the same vectors.
 */
import { uniformSource } from "../../packages/core/scripts/bench-model.js";

export { uniformSource };

export interface LibraryOptions {
  videos: number;
  framesPerVideo: number;
  dimension: number;
  seed: number;
}

export interface FrameRef {
  videoId: string;
  frameNo: number;
  timeSec: number;
  /** Index of its scene in `scenes`. */
  scene: number;
}

export interface Library {
  options: LibraryOptions;
  /** frames.length x dimension, row i is frames[i]'s unit vector. */
  vectors: Float32Array;
  frames: FrameRef[];
  /** Scene directions (unit), row per scene, with the video each belongs to. */
  sceneVectors: Float32Array;
  sceneVideo: number[];
  videoVectors: Float32Array;
  common: Float32Array;
}

/** Names the generator: change it with any change that alters the vectors (cached data use it). */
export const LIBRARY_GENERATOR = "scenes-v2";

/** Seconds between a video's stored frames (what the sampler keeps on ordinary footage). */
export const FRAME_SPACING_SEC = 1.5;
const WEIGHTS = { common: 0.6, video: 0.55, scene: 0.45, frame: 0.2 };
export const videoIdOf = (video: number) => `bench-video-${String(video).padStart(5, "0")}`;


/** Seeded standard normal numbers (Box-Muller over uniformSource). */
export function gaussianSource(seed: number): () => number {
  const uniform = uniformSource(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

export function normalise(row: Float32Array): Float32Array {
  let sum = 0;
  for (const x of row) sum += x * x;
  const norm = Math.sqrt(sum) || 1;
  for (let i = 0; i < row.length; i++) row[i]! /= norm;
  return row;
}

function randomUnit(out: Float32Array, normal: () => number): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = normal();
  return normalise(out);
}

export function generateLibrary(options: LibraryOptions): Library {
  const { videos, framesPerVideo, dimension: dim, seed } = options;
  const normal = gaussianSource(seed);
  const uniform = uniformSource(seed + 1);
  const common = randomUnit(new Float32Array(dim), normal);
  const total = videos * framesPerVideo;
  const vectors = new Float32Array(total * dim);
  const frames: FrameRef[] = [];
  const videoVectors = new Float32Array(videos * dim);
  const scenes: Float32Array[] = [];
  const sceneVideo: number[] = [];
  const noise = new Float32Array(dim);
  for (let video = 0; video < videos; video++) {
    const v = randomUnit(videoVectors.subarray(video * dim, (video + 1) * dim), normal);
    let left = 0;
    let s: Float32Array = noise;
    for (let frameNo = 0; frameNo < framesPerVideo; frameNo++) {
      if (left === 0) {
        s = randomUnit(new Float32Array(dim), normal);
        scenes.push(s);
        sceneVideo.push(video);
        left = 3 + Math.floor(uniform() * 28); // 3-30 frames a scene
      }
      left--;
      randomUnit(noise, normal);
      const index = frames.length;
      const row = vectors.subarray(index * dim, (index + 1) * dim);
      for (let i = 0; i < dim; i++) row[i] = WEIGHTS.common * common[i]! + WEIGHTS.video * v[i]! + WEIGHTS.scene * s[i]! + WEIGHTS.frame * noise[i]!;
      normalise(row);
      frames.push({ videoId: videoIdOf(video), frameNo, timeSec: frameNo * FRAME_SPACING_SEC, scene: scenes.length - 1 });
    }
  }
  const sceneVectors = new Float32Array(scenes.length * dim);
  scenes.forEach((s, i) => sceneVectors.set(s, i * dim));
  return { options, vectors, frames, sceneVectors, sceneVideo, videoVectors, common };
}

/** A query vector and the scene it was made to match. */
export interface PlantedQuery {
  vector: Float32Array;
  scene: number;
}

/** A new frame of an existing scene (an image query, or "more like this frame"). */
export function imageLikeQuery(library: Library, normal: () => number, uniform: () => number): PlantedQuery {
  const dim = library.options.dimension;
  const scene = Math.floor(uniform() * library.sceneVideo.length);
  const video = library.sceneVideo[scene]!;
  const s = library.sceneVectors.subarray(scene * dim, (scene + 1) * dim);
  const v = library.videoVectors.subarray(video * dim, (video + 1) * dim);
  const n = randomUnit(new Float32Array(dim), normal);
  const q = new Float32Array(dim);
  for (let i = 0; i < dim; i++) q[i] = WEIGHTS.common * library.common[i]! + WEIGHTS.video * v[i]! + WEIGHTS.scene * s[i]! + WEIGHTS.frame * n[i]!;
  return { vector: normalise(q), scene };
}

/**
 * A query that matches one scene about as well as a CLIP caption matches its frames (cosine
 * ~0.3, versus ~0.1 for the rest of the library): mostly a random direction plus a share of the
 * scene's frames' mean.
 */
export function textLikeQuery(library: Library, normal: () => number, uniform: () => number): PlantedQuery {
  const dim = library.options.dimension;
  const scene = Math.floor(uniform() * library.sceneVideo.length);
  const video = library.sceneVideo[scene]!;
  const s = library.sceneVectors.subarray(scene * dim, (scene + 1) * dim);
  const v = library.videoVectors.subarray(video * dim, (video + 1) * dim);
  const target = new Float32Array(dim);
  for (let i = 0; i < dim; i++) target[i] = WEIGHTS.common * library.common[i]! + WEIGHTS.video * v[i]! + WEIGHTS.scene * s[i]!;
  normalise(target);
  const r = randomUnit(new Float32Array(dim), normal);
  const q = new Float32Array(dim);
  for (let i = 0; i < dim; i++) q[i] = 0.3 * target[i]! + 0.95 * r[i]!;
  return { vector: normalise(q), scene };
}

/** Exact top-k by cosine (vectors are unit length: a dot product), best first. */
export function exactTopK(library: Library, query: Float32Array, k: number): { index: number; score: number }[] {
  const dim = library.options.dimension;
  const { vectors } = library;
  const total = vectors.length / dim;
  const best: { index: number; score: number }[] = [];
  let floor = -Infinity;
  for (let row = 0; row < total; row++) {
    let score = 0;
    const base = row * dim;
    for (let i = 0; i < dim; i++) score += vectors[base + i]! * query[i]!;
    if (best.length < k || score > floor) {
      best.push({ index: row, score });
      best.sort((a, b) => b.score - a.score);
      if (best.length > k) best.pop();
      floor = best[best.length - 1]!.score;
    }
  }
  return best;
}
