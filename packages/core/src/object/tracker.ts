/**
 * Joins one object's detections in consecutive sampled frames into a track: a detection continues
 * the open track of the same label whose box (moved on at the track's last speed) it overlaps
 * most, or failing any overlap lies nearest to, pairs taken best first; the rest start tracks of
 * their own. A scene cut ends every track,
 * and a track the detector missed in more than `maxMissedFrames` sampled frames in a row ends.
 *
 * Gaps count sampled frames, not seconds: frames dropped as duplicates of the one before mean
 * nothing moved, however long that lasted. Ids come from a track's first detection, and the same
 * frames always give the same tracks, so a resumed job (see `replay`) continues exactly where the
 * crashed attempt was.
 */
import { iou } from "../detector/select.js";
import type { Box } from "../detector/types.js";

export interface TrackSettings {
  /** Overlap (intersection over union) with where a track is expected that makes a sure match. */
  minIou: number;
  /**
   * Failing that, how far (in the expected box's larger side) a box of about its size (half to
   * twice the area) may lie from it: an object that moved more than its width between frames.
   */
  maxShift: number;
  /** Sampled frames in a row a track may go undetected and still be continued. */
  maxMissedFrames: number;
}

export const DEFAULT_TRACK_SETTINGS: TrackSettings = { minIou: 0.3, maxShift: 1, maxMissedFrames: 2 };

export const trackId = (videoId: string, frameNo: number, k: number) => `${videoId}#t${frameNo}.${k}`;

export interface TrackedFrame {
  frameNo: number;
  timeSec: number;
  /** The frame starts a new scene: no track continues into it. */
  cut: boolean;
}

export interface TrackedDetection {
  label: string;
  box: Box;
}

interface TrackPoint {
  timeSec: number;
  box: Box;
}

interface OpenTrack {
  id: string;
  label: string;
  /** The last two points, oldest first. */
  points: TrackPoint[];
  /** Sampled frames since the last point. */
  missed: number;
}

export class Tracker {
  #open: OpenTrack[] = [];

  constructor(
    private readonly videoId: string,
    private readonly settings: TrackSettings = DEFAULT_TRACK_SETTINGS,
  ) {}

  /** The ids of the tracks a later frame may continue. */
  openIds(): Set<string> {
    return new Set(this.#open.map((track) => track.id));
  }

  /** The track id of each of the frame's detections, in their order. */
  assign(frame: TrackedFrame, detections: readonly TrackedDetection[]): string[] {
    if (frame.cut) this.#open = [];
    const pairs: { track: OpenTrack; k: number; score: number }[] = [];
    for (const track of this.#open) {
      const expected = expectedBox(track, frame.timeSec);
      const last = track.points[track.points.length - 1]!.box;
      detections.forEach((detection, k) => {
        if (detection.label !== track.label) return;
        const score = Math.max(matchScore(expected, detection.box, this.settings), matchScore(last, detection.box, this.settings));
        if (score > 0) pairs.push({ track, k, score });
      });
    }
    // Best pairs first; equal ones in a fixed order, so the same frames always give the same tracks.
    pairs.sort((a, b) => b.score - a.score || (a.track.id < b.track.id ? -1 : a.track.id > b.track.id ? 1 : 0) || a.k - b.k);
    const ids: (string | undefined)[] = detections.map(() => undefined);
    const continued = new Set<OpenTrack>();
    for (const { track, k } of pairs) {
      if (ids[k] !== undefined || continued.has(track)) continue;
      ids[k] = track.id;
      continued.add(track);
      track.points = [track.points[track.points.length - 1]!, { timeSec: frame.timeSec, box: detections[k]!.box }];
      track.missed = 0;
    }
    const open = this.#open.filter((track) => continued.has(track) || ++track.missed <= this.settings.maxMissedFrames);
    const assigned = detections.map((detection, k) => {
      const existing = ids[k];
      if (existing !== undefined) return existing;
      const id = trackId(this.videoId, frame.frameNo, k);
      open.push({ id, label: detection.label, points: [{ timeSec: frame.timeSec, box: detection.box }], missed: 0 });
      return id;
    });
    this.#open = open;
    return assigned;
  }

  /**
   * Rebuilds the state after `frames` from what was stored for them (each detection with the track
   * it was given), as a resumed job needs it. The frames must be the last ones before where work
   * resumes, in order; `REPLAY_FRAMES` of them (or all since the part's start) are enough.
   */
  replay(frames: readonly (TrackedFrame & { detections: readonly (TrackedDetection & { trackId: string })[] })[]): void {
    for (const frame of frames) {
      if (frame.cut) this.#open = [];
      const seen = new Set<string>();
      const open: OpenTrack[] = [];
      for (const detection of frame.detections) {
        seen.add(detection.trackId);
        const point = { timeSec: frame.timeSec, box: detection.box };
        const track = this.#open.find((t) => t.id === detection.trackId);
        open.push(track ? { ...track, points: [track.points[track.points.length - 1]!, point], missed: 0 } : { id: detection.trackId, label: detection.label, points: [point], missed: 0 });
      }
      for (const track of this.#open) if (!seen.has(track.id) && ++track.missed <= this.settings.maxMissedFrames) open.push(track);
      this.#open = open;
    }
  }
}

/** How well a box matches where a track was expected: above 1 by overlap, (0, 1] by nearness, 0 not at all. */
export function matchScore(expected: Box, box: Box, settings: TrackSettings = DEFAULT_TRACK_SETTINGS): number {
  const overlap = iou(expected, box);
  if (overlap >= settings.minIou) return 1 + overlap;
  const limit = settings.maxShift * Math.max(expected.w, expected.h);
  const distance = Math.hypot(box.x + box.w / 2 - (expected.x + expected.w / 2), box.y + box.h / 2 - (expected.y + expected.h / 2));
  const areas = (box.w * box.h) / (expected.w * expected.h);
  return distance < limit && areas >= 0.5 && areas <= 2 ? 1 - distance / limit : 0;
}

/** Frames a resumed job replays: a track open after them has both its last points among them. */
export const replayFrames = (settings: TrackSettings = DEFAULT_TRACK_SETTINGS) => 2 * (settings.maxMissedFrames + 1);

/** Where a track's box should be at `timeSec`, moving on as it moved between its last two points. */
function expectedBox(track: OpenTrack, timeSec: number): Box {
  const last = track.points[track.points.length - 1]!;
  const before = track.points.length > 1 ? track.points[0]! : undefined;
  if (!before || last.timeSec <= before.timeSec) return last.box;
  const f = (timeSec - last.timeSec) / (last.timeSec - before.timeSec);
  const at = (a: number, b: number) => b + (b - a) * f;
  return {
    x: at(before.box.x, last.box.x),
    y: at(before.box.y, last.box.y),
    w: Math.max(1e-6, at(before.box.w, last.box.w)),
    h: Math.max(1e-6, at(before.box.h, last.box.h)),
  };
}
