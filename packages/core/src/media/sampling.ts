/**
 * The sampling decision, as pure functions (unit-tested without ffmpeg).
 *
 * Two stages:
 *  1. Candidates, chosen INSIDE ffmpeg by the `select` filter (`selectExpression`), at full frame
 *     rate: the first frame; the first frame of each 1/fps-second slot of the timeline (slot k
 *     holds [k/fps, (k+1)/fps)); any frame whose scene score exceeds `sceneThreshold` (so a cut
 *     between two interval samples is still caught at the cut). `isCandidate` mirrors that
 *     expression.
 *  2. Kept frames, decided in Node (`keepCandidate`): "first" and "scene" candidates are always
 *     kept; an "interval" candidate is dropped when it is a near-duplicate of the last KEPT frame
 *     (dedup.ts), unless it is the first candidate of a new maxGapSec slot, so a static scene
 *     still gets a frame at every multiple of maxGapSec (given fps >= 1/maxGapSec).
 * Both slot grids are fixed on the timeline rather than counted from the previous frame, so a
 * decoder that starts at a slot boundary (a segment's lead-in, see `createSampler`) makes the
 * same decisions as one that started at the beginning of the file.
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

/** Float slack in the slot tests (timestamps are exact rationals turned into doubles). */
export const INTERVAL_SLACK_SEC = 1e-6;

/** The slot of the timeline a time falls in, for slots `periodSec` long. */
export function slotOf(timeSec: number, periodSec: number): number {
  return Math.floor((timeSec + INTERVAL_SLACK_SEC) / periodSec);
}

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

/**
 * The `select` filter expression (plain: commas are not escaped here; see frames.ts).
 * `prev_selected_t` is NaN until a frame is selected, so `isnan()` selects the first frame.
 * `offsetSec` is where the decoded stream starts in the file (ffmpeg's times restart at 0 after
 * a seek): slots are counted on the file's timeline. With scene detection off the expression
 * still mentions `scene` (`0*scene`, which never selects): ffmpeg computes the score whenever the
 * word appears, and `select` then attaches `lavfi.scene_score` to every frame. frames.ts needs
 * every selected frame to carry metadata, because ffmpeg 4.1's `metadata` filter ignores frames
 * without any (its `add` mode does nothing on them). On frames already scaled down, the score
 * costs ~1% of the decode.
 */
export function selectExpression(options: Pick<SamplingOptions, "fps" | "sceneThreshold">, offsetSec = 0): string {
  const shift = decimal(offsetSec + INTERVAL_SLACK_SEC);
  const slot = (time: string) => `floor((${time}+${shift})*${decimal(options.fps)})`;
  const terms = ["isnan(prev_selected_t)", `gt(${slot("t")},${slot("prev_selected_t")})`];
  terms.push(options.sceneThreshold > 0 ? `gt(scene,${decimal(options.sceneThreshold)})` : "0*scene");
  return terms.join("+");
}

/** Mirrors `selectExpression`: would ffmpeg select this frame (times on the file's timeline) as a candidate? */
export function isCandidate(
  timeSec: number,
  prevSelectedSec: number | undefined,
  sceneScore: number | undefined,
  options: Pick<SamplingOptions, "fps" | "sceneThreshold">,
): boolean {
  if (prevSelectedSec === undefined) return true;
  if (slotOf(timeSec, 1 / options.fps) > slotOf(prevSelectedSec, 1 / options.fps)) return true;
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
 * "scene" frame (never dropped as a duplicate). A candidate in the same slot as the previous one
 * cannot be an interval sample: it is a scene frame, whatever the printed score says (ffmpeg
 * prints the score rounded to 6 decimals).
 */
export function candidateReason(facts: CandidateFacts, options: Pick<SamplingOptions, "fps" | "sceneThreshold">): FrameReason {
  if (facts.index === 0 || facts.prevSelectedSec === undefined) return "first";
  if (options.sceneThreshold <= 0) return "interval";
  if (facts.sceneScore !== undefined && facts.sceneScore > options.sceneThreshold) return "scene";
  if (slotOf(facts.timeSec, 1 / options.fps) <= slotOf(facts.prevSelectedSec, 1 / options.fps)) return "scene";
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
  if (slotOf(candidate.timeSec, options.maxGapSec) > slotOf(lastKept.timeSec, options.maxGapSec)) return true;
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
  /** A range's sampler has seen the first kept frame past its end: nothing more will come. */
  readonly done: boolean;
}

/**
 * Part of the timeline, for a decoder that starts at `leadInSec` (at or before `startSec`): the
 * frames kept before `startSec` only set the sampler's state (the last kept frame, for dedup),
 * frames from `startSec` up to `endSec` (exclusive) come out numbered from `firstFrameNo`, and the
 * first kept frame at or after `endSec` closes the last one (its endSec) and ends the range.
 */
export interface SampleRange {
  startSec: number;
  endSec: number;
  firstFrameNo: number;
}

export function createSampler<T>(
  options: Partial<SamplingOptions>,
  durationSec: number,
  thresholds: DedupThresholds = DEFAULT_DEDUP_THRESHOLDS,
  range?: SampleRange,
): Sampler<T> {
  const sampling = resolveSampling(options);
  const startSec = range?.startSec ?? -Infinity;
  const endSec = range?.endSec ?? Infinity;
  let index = 0;
  let prevSelectedSec: number | undefined;
  let lastKept: KeptRef | undefined;
  let pending: Omit<Decided<T>, "endSec"> | undefined;
  let frameNo = range?.firstFrameNo ?? 0;
  let done = false;
  return {
    get candidates() {
      return index;
    },
    get lastCandidateSec() {
      return prevSelectedSec;
    },
    get done() {
      return done;
    },
    push(candidate) {
      if (done) return [];
      const reason = candidateReason({ index, timeSec: candidate.timeSec, prevSelectedSec, sceneScore: candidate.sceneScore }, sampling);
      index++;
      prevSelectedSec = candidate.timeSec;
      if (!keepCandidate({ reason, timeSec: candidate.timeSec, signature: candidate.signature }, lastKept, sampling, thresholds)) return [];
      const out: Decided<T>[] = pending ? [{ ...pending, endSec: candidate.timeSec }] : [];
      lastKept = { timeSec: candidate.timeSec, signature: candidate.signature };
      if (candidate.timeSec >= endSec - INTERVAL_SLACK_SEC) {
        done = true;
        pending = undefined;
      } else if (candidate.timeSec >= startSec - INTERVAL_SLACK_SEC) {
        pending = { frameNo: frameNo++, timeSec: candidate.timeSec, reason, payload: candidate.payload };
      } else pending = undefined; // the lead-in: state only
      return out;
    },
    finish() {
      if (!pending) return [];
      const last = { ...pending, endSec: Math.max(durationSec, pending.timeSec) };
      pending = undefined;
      return [last];
    },
  };
}
