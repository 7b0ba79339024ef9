/**
 * One timed ingest in an embedded runtime of its own, for the ingest section: models warmed
 * first, then `count` copies of a video ingested at once; wall time, frames, objects, tracks,
 * crops embedded, per-stage busy time and peak memory, and optionally the first video's vectors.
 * ingest-child.ts runs the same in a fresh process, for a peak memory nothing else has touched.
 */
import { createReadStream } from "node:fs";
import { mkdtemp, stat } from "node:fs/promises";
import path from "node:path";
import { Job, loadConfig, Objects, Pipeline, Video, type Services } from "@vos/core";
import { startEmbeddedRuntime } from "@vos/core/runtime/embedded";
import type { BenchContext } from "../types.js";
import { cpuSeconds } from "./cpu-time.js";
import { round } from "./stats.js";
import { unitVectors, type ObjectVectors } from "./track-recall.js";

export interface RunResult {
  wallMs: number;
  /** Core-seconds of the ingest: the process's threads and the ffmpeg it ran. */
  cpuSec: number;
  videoSec: number;
  frames: number;
  objects: number;
  /** Objects whose crop was embedded, and tracks, over all videos. */
  embedded: number;
  tracks: number;
  /** The first video's vectors, when asked for: its objects' (with their tracks) and its frames'. */
  captured?: { objects: ObjectVectors; frames: Float32Array[] };
  peakRssMb: number;
  baselineRssMb: number;
  pipelines: { stageBusyMs: Record<string, number>; workBusyMs: Record<string, number>; wallMs: number; overlapRatio: number; busiest: string }[];
}

/** An object or track id without its video's id ("#o12.0", "#t3.1"). */
const local = (id: string) => id.slice(id.indexOf("#"));

/**
 * Ingests `count` copies of the video at once in a fresh embedded runtime, models warmed first.
 * `after` runs on the runtime's services with the videos' ids once they are in, before it closes.
 */
export async function ingestAtOnce(
  context: Pick<BenchContext, "tmpDir" | "progress">,
  file: string,
  count: number,
  modelDir: string,
  env: Record<string, string> = {},
  capture = false,
  after?: (svc: Services, videoIds: string[]) => Promise<void>,
): Promise<RunResult> {
  const dataDir = await mkdtemp(path.join(context.tmpDir, "ingest-"));
  // One frame a second with nothing dropped: the pipeline's cost per sampled frame (the sampler's
  // savings are measured in the sampling section).
  const config = loadConfig({ VOS_DATA_DIR: dataDir, VOS_CLIP_MODEL: modelDir, VOS_DETECTOR: "centernet", VOS_DEDUP: "false", VOS_LOG_LEVEL: "warn", ...env });
  const runtime = await startEmbeddedRuntime(config, { workers: false });
  const svc = runtime.services;
  try {
    // Load and warm both models, so the numbers are the pipeline's, not start-up's.
    const [embedder, detector] = await Promise.all([svc.embedder(), svc.detector?.()]);
    const warm = { data: new Uint8Array(640 * 360 * 3).fill(90), width: 640, height: 360 };
    await Promise.all([embedder.embedImages([warm]), detector?.detect([warm])]);

    const size = (await stat(file)).size;
    const jobs: { job: Job.JobRow; videoId: string }[] = [];
    for (let i = 0; i < count; i++) {
      const video = await Video.create(svc, "bench", { filename: `party-${i}.mp4`, sizeBytes: size, contentType: "video/mp4" });
      await Video.upload(svc, "bench", video.id, createReadStream(file));
      const queued = await Video.complete(svc, "bench", video.id);
      const job = await Job.begin(svc.db, queued.job!.id, "bench");
      jobs.push({ job: job!, videoId: video.id });
    }
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    context.progress(`ingesting ${count} video(s)`);
    const cpuBefore = await cpuSeconds();
    const started = performance.now();
    const results = await Promise.all(
      jobs.map(({ job, videoId }) => Pipeline.ingest(svc, job, { jobId: job.id, tenantId: "bench", videoId, signal: new AbortController().signal })),
    );
    const wallMs = performance.now() - started;
    const cpuSec = (await cpuSeconds()) - cpuBefore;
    clearInterval(sampler);
    const videoSec = count * ((await Video.get(svc, "bench", jobs[0]!.videoId)).durationSec ?? 0);
    const rows = (await Promise.all(jobs.map(({ videoId }) => Objects.listForVideo(svc.db, "bench", videoId)))).flat();
    let captured: RunResult["captured"];
    if (capture) {
      const first = jobs[0]!.videoId;
      const index = await svc.vectors.index(embedder.identity, embedder.dimension);
      const mine = rows.filter((row) => row.videoId === first);
      const objectVectors = await index.fetch("bench", mine.filter((row) => row.embedded).map(Objects.idOf));
      const frameVectors = await index.fetch("bench", await svc.vectors.listIds("bench", `${first}#f`));
      captured = {
        // Ids without the video's: two runs of one video name the same object and track alike.
        objects: {
          tracks: new Map(mine.map((row) => [local(Objects.idOf(row)), local(row.trackId)])),
          vectors: unitVectors([...objectVectors].map(([id, v]) => [local(id), v.values])),
        },
        frames: [...frameVectors.values()].map((v) => Float32Array.from(v.values)),
      };
    }
    if (after) await after(svc, jobs.map((job) => job.videoId));
    return {
      wallMs,
      cpuSec,
      videoSec,
      frames: results.reduce((sum, r) => sum + r.frames, 0),
      objects: results.reduce((sum, r) => sum + r.objects, 0),
      embedded: rows.filter((row) => row.embedded).length,
      tracks: new Set(rows.map((row) => row.trackId)).size,
      ...(captured ? { captured } : {}),
      peakRssMb: peak / 2 ** 20,
      baselineRssMb: baseline / 2 ** 20,
      pipelines: results.map(({ stats }) => {
        const [busiest, busyMs] = Object.entries(stats.stageBusyMs).sort((a, b) => b[1] - a[1])[0]!;
        return { stageBusyMs: stats.stageBusyMs, workBusyMs: stats.workBusyMs, wallMs: stats.wallMs, overlapRatio: stats.wallMs / busyMs, busiest };
      }),
    };
  } finally {
    await runtime.close();
  }
}

export const summary = (name: string, r: RunResult) => ({
  name,
  wallSec: round(r.wallMs / 1000),
  realtime: round(r.videoSec / (r.wallMs / 1000)),
  cpuSec: round(r.cpuSec),
  framesPerSec: round(r.frames / (r.wallMs / 1000)),
  frames: r.frames,
  objects: r.objects,
  cropsEmbedded: r.embedded,
  tracks: r.tracks,
  overlapRatio: round(Math.max(...r.pipelines.map((p) => p.overlapRatio)), 3),
  busiest: r.pipelines[0]!.busiest,
  peakRssMb: round(r.peakRssMb, 0),
  baselineRssMb: round(r.baselineRssMb, 0),
});
