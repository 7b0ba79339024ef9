/**
 * The sampling decision, as pure functions (unit-tested without ffmpeg).
 *
 * Two stages:
 *  1. Candidates, chosen INSIDE ffmpeg by the `select` filter (`selectExpression`), at full frame
 *     rate: the first frame; a frame once at least 1/fps seconds passed since the previously
 *     selected one; any frame whose scene score exceeds `sceneThreshold` (so a cut between two
 *     interval samples is still caught at the cut). `isCandidate` mirrors that expression.
 *  2. Kept frames, decided in Node (`keepCandidate`): "first" and "scene" candidates are always
 *     kept; an "interval" candidate is dropped when it is a near-duplicate of the last KEPT frame
 *     (dedup.ts), unless maxGapSec or more passed since that frame, so a static scene still gets a
 *     frame at least every maxGapSec (given fps >= 1/maxGapSec).
 * `createSampler` runs stage 2 over a stream of candidates and assigns frameNo and endSec
 * (one kept frame of lookahead); `sampleFrames` uses it, and tests feed it synthetic candidates.
 */
import { isNearDuplicate, type DedupThresholds, type FrameSignature, DEFAULT_DEDUP_THRESHOLDS } from "./dedup.js";

export interface SamplingOptions {
  /** Cap on interval samples: one at most every 1/fps seconds between scene changes (default 1). */
  fps: number;
  /** Scene-change score (0..1) above which a frame is always a candidate; 0 disables (default 0.25). */
  sceneThreshold: number;
  /** Drop interval frames that look like the last kept frame (default true). */
  dedup: boolean;
  /** Never drop a frame as a duplicate once this many seconds passed since the last kept one (default 10). */
  maxGapSec: number;
}

/** 0.25 rather than the common 0.3/0.4: a real cut has been measured at 0.277 with ffmpeg's score. */
export const DEFAULT_SAMPLING: Readonly<SamplingOptions> = Object.freeze({ fps: 1, sceneThreshold: 0.25, dedup: true, maxGapSec: 10 });

export type FrameReason = "first" | "interval" | "scene";

/** Float slack in ffmpeg's interval test (timestamps are exact rationals turned into doubles). */
export const INTERVAL_SLACK_SEC = 1e-6;
/** Slack when Node re-derives a reason from microsecond-rounded times (far below one frame). */
const CLASSIFY_SLACK_SEC = 1e-3;

/** Fills defaults and rejects values that make no sense (a programming or configuration error). */
export function resolveSampling(options: Partial<SamplingOptions> = {}): SamplingOptions {
  const resolved: SamplingOptions = {
    fps: options.fps ?? DEFAULT_SAMPLING.fps,
    sceneThreshold: options.sceneThreshold ?? DEFAULT_SAMPLING.sceneThreshold,
    dedup: options.dedup ?? DEFAULT_SAMPLING.dedup,
    maxGapSec: options.maxGapSec ?? DEFAULT_SAMPLING.maxGapSec,
  };
  if (!(resolved.fps > 0) || !Number.isFinite(resolved.fps)) throw new RangeError(`sampling fps must be a positive number, got ${resolved.fps}`);
  if (!(resolved.sceneThreshold >= 0 && resolved.sceneThreshold <= 1)) {
    throw new RangeError(`sampling sceneThreshold must be between 0 and 1, got ${resolved.sceneThreshold}`);
  }
  if (!(resolved.maxGapSec > 0)) throw new RangeError(`sampling maxGapSec must be positive, got ${resolved.maxGapSec}`);
  return resolved;
}

function decimal(value: number): string {
  return value.toFixed(6).replace(/\.?0+$/, "") || "0";
}

/** Seconds between interval samples, as given to ffmpeg (minus float slack). */
export function intervalStep(fps: number): number {
  return Math.max(0, 1 / fps - INTERVAL_SLACK_SEC);
}

/**
 * The `select` filter expression (plain: commas are not escaped here; see frames.ts).
 * `prev_selected_t` is NaN until a frame is selected, so `isnan()` selects the first frame.
 * With scene detection off the expression still mentions `scene` (`0*scene`, which never
 * selects): ffmpeg computes the score whenever the word appears, and `select` then attaches
 * `lavfi.scene_score` to every frame. frames.ts needs every selected frame to carry metadata,
 * because ffmpeg 4.1's `metadata` filter ignores frames without any (its `add` mode does
 * nothing on them). On frames already scaled down, the score costs ~1% of the decode.
 */
export function selectExpression(options: Pick<SamplingOptions, "fps" | "sceneThreshold">): string {
  const terms = ["isnan(prev_selected_t)", `gte(t-prev_selected_t,${decimal(intervalStep(options.fps))})`];
  terms.push(options.sceneThreshold > 0 ? `gt(scene,${decimal(options.sceneThreshold)})` : "0*scene");
  return terms.join("+");
}

/** Mirrors `selectExpression`: would ffmpeg select this frame as a candidate? */
export function isCandidate(
  timeSec: number,
  prevSelectedSec: number | undefined,
  sceneScore: number | undefined,
  options: Pick<SamplingOptions, "fps" | "sceneThreshold">,
): boolean {
  if (prevSelectedSec === undefined) return true;
  if (timeSec - prevSelectedSec >= intervalStep(options.fps)) return true;
  return options.sceneThreshold > 0 && sceneScore !== undefined && sceneScore > options.sceneThreshold;
}

export interface CandidateFacts {
  /** 0-based index among candidates (frames ffmpeg selected). */
  index: number;
  timeSec: number;
  /** Time of the previous candidate, undefined for the first. */
  prevSelectedSec: number | undefined;
  /** ffmpeg's scene score for this frame (undefined when scene detection is off). */
  sceneScore: number | undefined;
}

/**
 * Why ffmpeg selected a candidate. A frame that is both an interval sample and a cut is a
 * "scene" frame (never dropped as a duplicate). A candidate that came too soon after the previous
 * one to be an interval sample can only be a scene frame, whatever the printed score says
 * (ffmpeg prints the score rounded to 6 decimals).
 */
export function candidateReason(facts: CandidateFacts, options: Pick<SamplingOptions, "fps" | "sceneThreshold">): FrameReason {
  if (facts.index === 0 || facts.prevSelectedSec === undefined) return "first";
  if (options.sceneThreshold <= 0) return "interval";
  if (facts.sceneScore !== undefined && facts.sceneScore > options.sceneThreshold) return "scene";
  if (facts.timeSec - facts.prevSelectedSec < 1 / options.fps - CLASSIFY_SLACK_SEC) return "scene";
  return "interval";
}

export interface KeptRef {
  timeSec: number;
  signature?: FrameSignature | undefined;
}

/** Stage 2: keep this candidate? (see the module comment) */
export function keepCandidate(
  candidate: { reason: FrameReason; timeSec: number; signature?: FrameSignature | undefined },
  lastKept: KeptRef | undefined,
  options: Pick<SamplingOptions, "dedup" | "maxGapSec">,
  thresholds: DedupThresholds = DEFAULT_DEDUP_THRESHOLDS,
): boolean {
  if (!options.dedup || !lastKept || candidate.reason !== "interval") return true;
  if (candidate.timeSec - lastKept.timeSec >= options.maxGapSec - INTERVAL_SLACK_SEC) return true;
  if (!candidate.signature || !lastKept.signature) return true; // nothing to compare: keep
  return !isNearDuplicate(candidate.signature, lastKept.signature, thresholds);
}

export interface Candidate<T> {
  timeSec: number;
  sceneScore?: number | undefined;
  /** Needed when dedup is on (for every candidate: a kept one becomes the comparison base). */
  signature?: FrameSignature | undefined;
  payload: T;
}

export interface Decided<T> {
  frameNo: number;
  timeSec: number;
  endSec: number;
  reason: FrameReason;
  payload: T;
}

export interface Sampler<T> {
  /** Feeds the next candidate (in time order); returns the kept frames now complete (0 or 1). */
  push(candidate: Candidate<T>): Decided<T>[];
  /** End of stream: the last kept frame, ending at the video's duration. */
  finish(): Decided<T>[];
  /** Candidates seen so far. */
  readonly candidates: number;
  /** Time of the last candidate seen (undefined before the first). */
  readonly lastCandidateSec: number | undefined;
}

export function createSampler<T>(
  options: Partial<SamplingOptions>,
  durationSec: number,
  thresholds: DedupThresholds = DEFAULT_DEDUP_THRESHOLDS,
): Sampler<T> {
  const sampling = resolveSampling(options);
  let index = 0;
  let prevSelectedSec: number | undefined;
  let lastKept: KeptRef | undefined;
  let pending: Omit<Decided<T>, "endSec"> | undefined;
  let frameNo = 0;
  return {
    get candidates() {
      return index;
    },
    get lastCandidateSec() {
      return prevSelectedSec;
    },
    push(candidate) {
      const reason = candidateReason({ index, timeSec: candidate.timeSec, prevSelectedSec, sceneScore: candidate.sceneScore }, sampling);
      index++;
      prevSelectedSec = candidate.timeSec;
      if (!keepCandidate({ reason, timeSec: candidate.timeSec, signature: candidate.signature }, lastKept, sampling, thresholds)) return [];
      const done: Decided<T>[] = pending ? [{ ...pending, endSec: candidate.timeSec }] : [];
      pending = { frameNo: frameNo++, timeSec: candidate.timeSec, reason, payload: candidate.payload };
      lastKept = { timeSec: candidate.timeSec, signature: candidate.signature };
      return done;
    },
    finish() {
      if (!pending) return [];
      const last = { ...pending, endSec: Math.max(durationSec, pending.timeSec) };
      pending = undefined;
      return [last];
    },
  };
}
