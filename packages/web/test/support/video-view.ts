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
