/**
 * The shapes the HTTP API answers with, as documented at `/api/openapi.json`. They are written out
 * here (not imported from @vos/core) so the browser bundle never pulls server code.
 */

export const STAGES = ["probe", "sample", "embed", "index"] as const;
export type Stage = (typeof STAGES)[number];

export type VideoStatus = "uploading" | "queued" | "processing" | "ready" | "failed" | "deleting";
export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "dead";

export interface JobProgress {
  stage: Stage | "done";
  stages: Record<Stage, number>;
  frames: { sampled: number; embedded: number; indexed: number; objects?: number };
}

export interface VideoView {
  id: string;
  title: string;
  filename: string;
  status: VideoStatus;
  sizeBytes: number;
  durationSec: number | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  codec: string | null;
  frameCount: number;
  /** Objects the detector found (older servers do not send it). */
  objectCount?: number;
  error: { code: string; message: string } | null;
  job: {
    id: string;
    status: JobStatus | string;
    attempts: number;
    maxAttempts: number;
    progress: JobProgress;
    lastError: string | null;
  } | null;
  playbackUrl: string | null;
  /** Failed, with its upload still stored: `retryVideo` processes it again (older servers do not send it). */
  retryable?: boolean;
  createdAt: string;
  updatedAt: string;
}

/** Where the bytes of a new video go (see the API's `upload` field). */
export type UploadTarget =
  | { kind: "put"; method: "PUT"; url: string; headers: Record<string, string>; chunkBytes: number }
  | { kind: "multipart"; uploadId: string; partBytes: number; parts: { partNumber: number; url: string }[] };

export interface UploadedPart {
  partNumber: number;
  etag: string;
}

interface HitBase {
  videoId: string;
  videoTitle: string;
  /** The best frame's time, where the player seeks. */
  timeSec: number;
  start: number;
  end: number;
  /** Cosine similarity to the query. */
  score: number;
  frameNo: number;
  thumbnailUrl: string;
}

/** A moment: neighbouring frames that match, merged. */
export interface FrameHit extends HitBase {
  kind: "frame";
}

/** A box on a frame, normalised to the frame (0-1), x/y = top left. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** An object the detector found in a frame; its thumbnail is the crop. */
export interface ObjectHit extends HitBase {
  kind: "object";
  objectId: string;
  label: string;
  detectorScore: number;
  box: Box;
  /** The words of the query named this object's label. */
  labelMatch: boolean;
}

export type SearchHit = FrameHit | ObjectHit;

export type HitKind = SearchHit["kind"];

/** A stable key for a hit among others. */
export const hitKey = (hit: SearchHit) => (hit.kind === "object" ? hit.objectId : `${hit.videoId}#f${hit.frameNo}`);

export interface SearchFilters {
  videoId?: string;
  minScore?: number;
  /** Moments, objects or both (the API's default). */
  kinds?: HitKind[];
  limit?: number;
}

export type LabelPolarity = "positive" | "negative";

/** Set by a person, carried to a near-duplicate, or voted by the nearest labelled objects. */
export type LabelSource = "explicit" | "propagated" | "probable";

export interface ObjectLabel {
  label: string;
  polarity: LabelPolarity;
  source: LabelSource;
}

/** An object the detector found in a video (`GET /videos/{id}/objects`). */
export interface DetectedObject {
  /** `<videoId>#o<frameNo>.<k>`: URL-encode it in paths. */
  id: string;
  videoId: string;
  frameNo: number;
  /** On screen from `timeSec` until `endSec` (the next sampled frame). */
  timeSec: number;
  endSec: number;
  /** The detector's label and confidence. */
  label: string;
  score: number;
  box: Box;
  cropUrl: string;
  labels: ObjectLabel[];
}

/** "focused": neighbours of the object; "expanded": neighbours of it and its best matches, plus the same label. */
export type SimilarMode = "focused" | "expanded";

export interface SimilarQuery {
  minScore: number;
  mode: SimilarMode;
  limit?: number;
  /** Only look in this video. */
  videoId?: string;
}

export interface LabelInput {
  label: string;
  polarity: LabelPolarity;
  /** Positive labels also go to the object's near-duplicates. */
  propagate: boolean;
}

export interface LabelResult {
  label: ObjectLabel;
  /** Near-duplicates the positive label was carried to. */
  propagatedTo: string[];
}
