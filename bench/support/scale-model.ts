/**
 * Wall time of one long video on N worker tasks, from costs measured by the scale section and
 * published AWS figures. Each segment is one job and one task (the dispatcher starts a task per
 * job message, at most VOS_MAX_TASKS at once), so a segment pays a task start, the worker's own
 * start (models, connections) and its share of the video's work. Tasks run in waves of N.
 *
 * Published figures used (assumptions where AWS gives no single number):
 * - Fargate task start: provisioning, the task's network interface ("adds several seconds") and
 *   the image pull dominate (AWS, "Optimize Amazon ECS task launch time",
 *   docs.aws.amazon.com/AmazonECS/latest/developerguide/task-recommendations.html); commonly
 *   30 s to 3 minutes by image size. Taken as 60 s for the 257 MB worker image.
 * - Fargate launch rate: a burst of 100 tasks, then 20 per second per account and Region; RunTask
 *   20 calls per second (AWS, "AWS Fargate throttling quotas",
 *   docs.aws.amazon.com/AmazonECS/latest/userguide/throttling.html).
 * - Pinecone serverless: 100 upsert requests per second per namespace, 50 MB/s of upserts per
 *   namespace (docs.pinecone.io, "Rate limits").
 * - The dispatcher defers a message for DEFER_SEC when every task slot is taken, so a segment
 *   waiting for a slot starts up to that long after one frees.
 */
import { DEFER_SEC } from "@vos/core/runtime/cloud";
import { round } from "./stats.js";
import type { Table } from "../types.js";

export const FARGATE_START_SEC = 60;
export const FARGATE_BURST = 100;
export const FARGATE_LAUNCHES_PER_SEC = 20;
export const PINECONE_UPSERTS_PER_SEC = 100;
/** Frames per upsert request (VOS_EMBED_BATCH's default); objects ride in the same batch's upsert. */
export const FRAMES_PER_UPSERT = 16;

export interface Measured {
  videoSec: number;
  segmentSec: number;
  /** One task's work per second of video (its own segment time / its length), 2 cores. */
  secPerVideoSec: number;
  /** A worker process's cost besides its segment: start, both models, connections. */
  taskOverheadSec: number;
  /** Share of a segment's work that is inference (CLIP and the detector): what a GPU speeds up. */
  inferShare: number;
  framesPerVideoSec: number;
  objectsPerFrame: number;
}

export interface Prediction {
  tasks: number;
  segmentSec: number;
  kind: "fargate" | "gpu";
  segments: number;
  waves: number;
  segmentWallSec: number;
  wallSec: number;
  /** Task time paid for: every segment's task from its start to its end (minutes). */
  taskMinutes: number;
  /** Frames committed per second across the fleet while it is full. */
  framesPerSec: number;
  /** Upsert requests per second into the tenant's namespace while the fleet is full. */
  upsertsPerSec: number;
  /** What limits this row first. */
  binds: string;
}

/**
 * `gpuInferSpeedup`: how much faster inference runs on a GPU task than on 2 vCPUs: not measured
 * here (no GPU); 10x is an assumption to be replaced by `bench/gpu-embed.ts` on the real instance.
 */
export function predict(m: Measured, options: { videoSec: number; tasks: number; segmentSec?: number; kind?: "fargate" | "gpu"; gpuInferSpeedup?: number }): Prediction {
  const segmentSec = options.segmentSec ?? m.segmentSec;
  const kind = options.kind ?? "fargate";
  const speedup = kind === "gpu" ? (options.gpuInferSpeedup ?? 10) : 1;
  const segments = Math.max(1, Math.ceil(options.videoSec / segmentSec));
  const running = Math.min(options.tasks, segments);
  const waves = Math.ceil(segments / running);
  const workSec = segmentSec * m.secPerVideoSec * (1 - m.inferShare + m.inferShare / speedup);
  const segmentWallSec = FARGATE_START_SEC + m.taskOverheadSec + workSec;
  // Launching the first wave: a burst of 100, then 20 a second.
  const launchSec = Math.max(0, running - FARGATE_BURST) / FARGATE_LAUNCHES_PER_SEC;
  // A segment that waited for a slot is looked at again after DEFER_SEC: on average half of it.
  const wallSec = launchSec + waves * segmentWallSec + (waves - 1) * (DEFER_SEC / 2);
  const framesPerSec = (running * segmentSec * m.framesPerVideoSec) / segmentWallSec;
  const upsertsPerSec = framesPerSec / FRAMES_PER_UPSERT;
  const binds =
    upsertsPerSec > PINECONE_UPSERTS_PER_SEC
      ? "Pinecone upserts per namespace"
      : running < options.tasks
        ? `segments: only ${segments} to run, each pays a task start`
        : waves > 1
          ? "tasks: segments wait for a slot"
          : "one segment's start and work";
  return { tasks: options.tasks, segmentSec, kind, segments, waves, segmentWallSec: round(segmentWallSec), wallSec: round(wallSec), taskMinutes: round((segments * segmentWallSec) / 60, 1), framesPerSec: round(framesPerSec), upsertsPerSec: round(upsertsPerSec, 2), binds };
}

export function modelTable(m: Measured, predictions: Prediction[]): Table {
  return {
    title: `Model: one long video on N tasks (task start ${FARGATE_START_SEC} s assumed, worker start ${round(m.taskOverheadSec)} s and ${round(m.secPerVideoSec, 3)} s of work per video second measured)`,
    columns: ["tasks", "kind", "segment s", "segments", "waves", "segment wall s", "video wall min", "task min paid", "frames/s", "upserts/s", "binds first"],
    rows: predictions.map((p) => [p.tasks, p.kind, p.segmentSec, p.segments, p.waves, p.segmentWallSec, round(p.wallSec / 60, 1), p.taskMinutes, p.framesPerSec, p.upsertsPerSec, p.binds]),
  };
}
