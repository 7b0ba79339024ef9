import { STAGES, type VideoView } from "../api/types";
import { formatTime } from "./format";

type Job = NonNullable<VideoView["job"]>;

/** 1st, 2nd, 3rd, 4th, 11th, 21st. */
export function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n.toLocaleString("en")}${suffix}`;
}

/**
 * Where a run stands in time, in words: its place in the queue while it waits; while it runs, the
 * time so far and the estimated time left (the server's, at the pace so far).
 */
export function timing(job: Job): string {
  if (job.status === "queued") {
    if (job.queuePlace === null) return "Waiting for a worker";
    return job.queuePlace === 1 ? "Next in the queue" : `${ordinal(job.queuePlace)} in the queue`;
  }
  if (job.status !== "running" || job.elapsedSec === null) return "";
  const left = job.etaSec === null ? "estimating the time left" : `about ${formatTime(job.etaSec)} left`;
  return `Running for ${formatTime(job.elapsedSec)} · ${left}`;
}

/** "74 of 240 embedded": a count out of the frames sampled so far (once sampling has found any). */
export const outOf = (count: number, sampled: number, what: string) => (sampled > 0 ? `${count.toLocaleString("en")} of ${sampled.toLocaleString("en")} ${what}` : `${count.toLocaleString("en")} ${what}`);

/**
 * The list with each run's progress never below what this page showed before for the same run: a
 * task that restarts resumes from its checkpoint, and its bars and counts would otherwise jump
 * back for a moment. A new run (a retry) starts afresh.
 */
export function steadyProgress(previous: readonly VideoView[], next: VideoView[]): VideoView[] {
  const before = new Map(previous.flatMap((video) => (video.job ? [[video.job.id, video.job.progress] as const] : [])));
  return next.map((video) => {
    const job = video.job;
    const seen = job ? before.get(job.id) : undefined;
    if (!job || !seen || job.progress.stage === "done") return video;
    const now = job.progress;
    const stages = Object.fromEntries(STAGES.map((stage) => [stage, Math.max(now.stages[stage] ?? 0, seen.stages[stage] ?? 0)])) as typeof now.stages;
    const frames = {
      sampled: Math.max(now.frames.sampled, seen.frames.sampled),
      embedded: Math.max(now.frames.embedded, seen.frames.embedded),
      indexed: Math.max(now.frames.indexed, seen.frames.indexed),
      objects: Math.max(now.frames.objects ?? 0, seen.frames.objects ?? 0),
    };
    return { ...video, job: { ...job, progress: { ...now, stages, frames } } };
  });
}
