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
  frames: { sampled: number; embedded: number; indexed: number };
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

export interface SearchHit {
  videoId: string;
  videoTitle: string;
  kind: "frame";
  /** The best frame's time, where the player seeks. */
  timeSec: number;
  start: number;
  end: number;
  score: number;
  frameNo: number;
  thumbnailUrl: string;
}

export interface SearchFilters {
  videoId?: string;
  minScore?: number;
  limit?: number;
}
