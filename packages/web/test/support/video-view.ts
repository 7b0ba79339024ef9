import type { VideoView } from "../../src/api/types";

/** A video as the API lists it, `<id>.mp4`, with nothing processed: tests override what they need. */
export function videoView(id: string, status: VideoView["status"], extra: Partial<VideoView> = {}): VideoView {
  return {
    id,
    title: `${id}.mp4`,
    filename: `${id}.mp4`,
    status,
    sizeBytes: 1000,
    durationSec: null,
    width: null,
    height: null,
    fps: null,
    codec: null,
    frameCount: 0,
    objectCount: 0,
    error: null,
    job: null,
    model: null,
    playbackUrl: null,
    retryable: false,
    createdAt: "2025-01-01T00:00:00.000Z",
    updatedAt: "2025-01-01T00:00:00.000Z",
    ...extra,
  };
}

type Job = NonNullable<VideoView["job"]>;

/** A run under way (one job): half embedded, a minute and a bit in, 40 s left; tests override what they need. */
export function runningJob(extra: Partial<Job> = {}): Job {
  return {
    id: "job_1",
    status: "running",
    attempts: 1,
    maxAttempts: 3,
    progress: { stage: "embed", stages: { probe: 1, sample: 1, embed: 0.5, index: 0.25 }, frames: { sampled: 240, embedded: 120, indexed: 60, objects: 7 } },
    lastError: null,
    segments: { total: 1, succeeded: 0, running: 1, queued: 0, failed: 0 },
    startedAt: "2026-12-06T12:00:00.000Z",
    elapsedSec: 72,
    etaSec: 40,
    queuePlace: null,
    ...extra,
  };
}
