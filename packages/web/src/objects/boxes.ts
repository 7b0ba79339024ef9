import type { DetectedObject, LabelSource, ObjectHit, ObjectLabel, SearchHit } from "../api/types";
import type { OverlayBox } from "../components/BoxOverlay";
import { formatScore, formatTime } from "../lib/format";

export interface ShownLabel {
  /** What the box says: the label, with "?" when it is only probable. */
  text: string;
  label: string;
  source: LabelSource | "detector";
}

const positive = (labels: readonly ObjectLabel[], source: LabelSource) => labels.find((label) => label.polarity === "positive" && label.source === source);

/**
 * An object's name: a label a person gave it (or that was carried to it from a near-duplicate)
 * over the detector's; a probable label, voted by its labelled neighbours, marked "guest?".
 */
export function shownLabel(object: { label: string; labels: readonly ObjectLabel[] }): ShownLabel {
  const given = positive(object.labels, "explicit") ?? positive(object.labels, "propagated");
  if (given) return { text: given.label, label: given.label, source: given.source };
  const guess = positive(object.labels, "probable");
  if (guess) return { text: `${guess.label}?`, label: guess.label, source: "probable" };
  return { text: object.label, label: object.label, source: "detector" };
}

/** Seeking lands a hair before a frame's time: count that as on it. */
const EPSILON = 0.001;

/**
 * The objects on screen at `seconds`: each from its frame's time until the next sampled frame
 * (`endSec`). The last frame's objects stay on at the very end of the video.
 */
export function objectsAt<T extends Pick<DetectedObject, "timeSec" | "endSec">>(objects: readonly T[], seconds: number): T[] {
  let last = 0;
  for (const object of objects) last = Math.max(last, object.endSec);
  return objects.filter((object) => seconds >= object.timeSec - EPSILON && (seconds < object.endSec || (object.endSec >= last && seconds <= last + 0.5)));
}

/** "person 0.48 at 0:06": what a box's button is called. */
export function objectName(object: Pick<DetectedObject, "label" | "score" | "timeSec"> & { labels: readonly ObjectLabel[] }): string {
  return `${shownLabel(object).text} ${formatScore(object.score)} at ${formatTime(object.timeSec)}`;
}

/** Each detection's successor along its track, where that is on the very next sampled frame. */
export function trackSuccessors(objects: readonly DetectedObject[]): Map<string, DetectedObject> {
  const byTrack = new Map<string, DetectedObject[]>();
  for (const object of objects) {
    const list = byTrack.get(object.trackId);
    if (list) list.push(object);
    else byTrack.set(object.trackId, [object]);
  }
  const next = new Map<string, DetectedObject>();
  for (const list of byTrack.values()) {
    list.sort((a, b) => a.timeSec - b.timeSec);
    for (let i = 0; i + 1 < list.length; i++) if (list[i + 1]!.timeSec <= list[i]!.endSec + EPSILON) next.set(list[i]!.id, list[i + 1]!);
  }
  return next;
}

/**
 * A detection's box at `seconds`: moved in a straight line toward its successor's box, so that a
 * box keeps up with its object between two sampled frames instead of jumping once a frame.
 */
export function boxAt(object: Pick<DetectedObject, "timeSec" | "box">, next: Pick<DetectedObject, "timeSec" | "box"> | undefined, seconds: number): DetectedObject["box"] {
  if (!next || next.timeSec <= object.timeSec) return object.box;
  const f = Math.min(1, Math.max(0, (seconds - object.timeSec) / (next.timeSec - object.timeSec)));
  const mix = (a: number, b: number) => a + (b - a) * f;
  return { x: mix(object.box.x, next.box.x), y: mix(object.box.y, next.box.y), w: mix(object.box.w, next.box.w), h: mix(object.box.h, next.box.h) };
}

/**
 * The boxes to draw at `seconds`: every detected object on screen, named by its label, with
 * the current search's objects (`matches`) standing out; a box with a successor along its track
 * (`next`, see trackSuccessors) moves toward it as the video plays.
 */
export function objectBoxesAt(
  objects: readonly DetectedObject[],
  seconds: number,
  matches: ReadonlySet<string> = new Set(),
  next: ReadonlyMap<string, DetectedObject> = new Map(),
): OverlayBox[] {
  return objectsAt(objects, seconds).map((object) => {
    const shown = shownLabel(object);
    const box = boxAt(object, next.get(object.id), seconds);
    const match = matches.has(object.id);
    const about = [
      `Detected ${object.label} (${Math.round(object.score * 100)} % sure)`,
      shown.source === "detector" ? "" : shown.source === "probable" ? `probably ${shown.label}` : `labelled ${shown.label}`,
      match ? "found by the search" : "",
      "click for similar objects",
    ];
    return {
      id: object.id,
      x: box.x,
      y: box.y,
      width: box.w,
      height: box.h,
      label: shown.text,
      score: object.score,
      name: objectName(object),
      title: about.filter(Boolean).join(" · "),
      ...(match ? { tone: "match" as const } : shown.source === "probable" ? { tone: "probable" as const } : shown.source !== "detector" ? { tone: "labelled" as const } : {}),
    };
  });
}

/** Where a track is in the video: from its first detection to the end of its last frame. */
export interface TrackSpan {
  trackId: string;
  label: string;
  start: number;
  end: number;
  /** Sampled frames it is seen in. */
  frames: number;
}

export function trackSpan(objects: readonly DetectedObject[], trackId: string): TrackSpan | undefined {
  const mine = objects.filter((object) => object.trackId === trackId);
  if (mine.length === 0) return undefined;
  return {
    trackId,
    label: shownLabel(mine[0]!).text,
    start: Math.min(...mine.map((object) => object.timeSec)),
    end: Math.max(...mine.map((object) => object.endSec)),
    frames: mine.length,
  };
}

/** The track's detection on screen at `seconds` (its box follows the object as the video plays). */
export function trackObjectAt(objects: readonly DetectedObject[], trackId: string, seconds: number): DetectedObject | undefined {
  return objectsAt(
    objects.filter((object) => object.trackId === trackId),
    seconds,
  )[0];
}

/**
 * The current search's object hits in this video whose best detection is on screen at `seconds`
 * (drawn until the video's own objects arrive; a hit spans its whole track, its box is the one at
 * `timeSec`, shown for about one sampled frame).
 */
export function searchBoxesAt(hits: readonly SearchHit[], seconds: number): OverlayBox[] {
  return hits
    .filter((hit): hit is ObjectHit => hit.kind === "object" && seconds >= hit.timeSec - EPSILON && seconds < Math.min(hit.end, hit.timeSec + 1))
    .map((hit) => ({ id: hit.objectId, x: hit.box.x, y: hit.box.y, width: hit.box.w, height: hit.box.h, label: hit.label, score: hit.detectorScore }));
}

/** A search's object hit as a detected object, for a box drawn before the video's objects arrive. */
export const objectOfHit = (hit: ObjectHit): DetectedObject => ({
  id: hit.objectId,
  videoId: hit.videoId,
  frameNo: hit.frameNo,
  timeSec: hit.timeSec,
  endSec: Math.min(hit.end, hit.timeSec + 1),
  label: hit.label,
  trackId: hit.trackId,
  score: hit.detectorScore,
  box: hit.box,
  cropUrl: hit.thumbnailUrl,
  labels: [],
});
