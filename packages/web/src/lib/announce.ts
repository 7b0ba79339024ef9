import type { VideoView } from "../api/types";

const WORKING = new Set<VideoView["status"]>(["uploading", "queued", "processing"]);

/**
 * What a screen reader should hear about a refreshed video list: an upload that completed, a
 * video that became ready or failed. Only changes from `before` count; a first list says nothing.
 */
export function announcements(before: readonly VideoView[] | undefined, after: readonly VideoView[]): string[] {
  if (!before) return [];
  const was = new Map(before.map((video) => [video.id, video.status]));
  const said: string[] = [];
  for (const video of after) {
    const previous = was.get(video.id);
    if (!previous || previous === video.status) continue;
    if (previous === "uploading" && (video.status === "queued" || video.status === "processing")) said.push(`${video.title} uploaded; processing it.`);
    else if (WORKING.has(previous) && video.status === "ready") said.push(`${video.title} is ready: ${video.frameCount} frames indexed.`);
    else if (WORKING.has(previous) && video.status === "failed") said.push(`${video.title} failed: ${video.error?.message ?? "see the library"}`);
  }
  return said;
}
