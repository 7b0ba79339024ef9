/**
 * Ingest of a 60 s 720p video with the ViT-B/32-sized CLIP model and the object detector on, then
 * of two such videos at once: wall time, realtime factor, frames/s, each stage's busy time, the
 * overlap ratio (wall time / the busiest stage's busy time: 1.0 means the other stages hide
 * entirely behind it) and peak memory. Levers, side by side in the same run: every crop embedded
 * (VOS_TRACK_EMBED_SEC=0) against the default sparse embedding along tracks, with the recall of
 * the sparse set against the dense one (track-recall.ts), and the q8 CLIP.
 *
 * The video is a real photograph (a party: many people) under a slow zoom, so every sampled
 * frame differs and holds objects: detection, crops and crop embeddings all do real work.
 */
import { createReadStream } from "node:fs";
import { mkdtemp, stat } from "node:fs/promises";
import path from "node:path";
import { Job, loadConfig, Objects, Pipeline, Video } from "@vos/core";
import { startEmbeddedRuntime } from "@vos/core/runtime/embedded";
import { benchModelDir } from "../support/bench-model.js";
import { round } from "../support/stats.js";
import { trackRecall, unitVectors, type ObjectVectors } from "../support/track-recall.js";
import { zoomVideo } from "../support/zoom-video.js";
import type { BenchContext, SectionResult, Table } from "../types.js";

interface RunResult {
  wallMs: number;
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

/** Ingests `count` copies of the video at once in a fresh embedded runtime, models warmed first. */
async function ingestAtOnce(context: BenchContext, file: string, count: number, modelDir: string, env: Record<string, string> = {}, capture = false): Promise<RunResult> {
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
    const started = performance.now();
    const results = await Promise.all(
      jobs.map(({ job, videoId }) => Pipeline.ingest(svc, job, { jobId: job.id, tenantId: "bench", videoId, signal: new AbortController().signal })),
    );
    const wallMs = performance.now() - started;
    clearInterval(sampler);
    const videoSec = count * ((await Video.get(svc, "bench", jobs[0]!.videoId)).durationSec ?? 0);
    const rows = (await Promise.all(jobs.map(({ videoId }) => Objects.listForVideo(svc.db, "bench", videoId)))).flat();
    let captured: RunResult["captured"];
    if (capture) {
      const first = jobs[0]!.videoId;
      const index = await svc.vectors.index(embedder.model, embedder.dimension);
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
    return {
      wallMs,
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

const summary = (name: string, r: RunResult) => ({
  name,
  wallSec: round(r.wallMs / 1000),
  realtime: round(r.videoSec / (r.wallMs / 1000)),
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

export async function run(context: BenchContext): Promise<SectionResult> {
  const seconds = context.quick ? 15 : 60;
  const model = await benchModelDir();
  const file = await zoomVideo(context, seconds);
  context.progress("every crop embedded");
  const dense = await ingestAtOnce(context, file, 1, model.dir, { VOS_TRACK_EMBED_SEC: "0" }, true);
  context.progress("sparse along tracks (the default)");
  const one = await ingestAtOnce(context, file, 1, model.dir, {}, true);
  context.progress("sparse, q8 CLIP");
  const q8 = await ingestAtOnce(context, file, 1, model.dir, { VOS_CLIP_DTYPE: "q8" });
  const two = await ingestAtOnce(context, file, 2, model.dir);
  const rows = [
    summary("every crop embedded (VOS_TRACK_EMBED_SEC=0)", dense),
    summary("one video (default: crops sparse along tracks)", one),
    summary("one video, q8 CLIP (VOS_CLIP_DTYPE=q8)", q8),
    summary("two videos at once (default)", two),
  ];
  // The same queries against both sets: each track's first crop (embedded in both), every 10th frame.
  const firstOfTrack = new Map<string, string>();
  for (const [id, track] of dense.captured!.objects.tracks) if (!firstOfTrack.has(track)) firstOfTrack.set(track, id);
  const objectQueries = [...firstOfTrack.values()].flatMap((id) => (dense.captured!.objects.vectors.has(id) ? [dense.captured!.objects.vectors.get(id)!] : []));
  const frameQueries = dense.captured!.frames.filter((_, i) => i % 10 === 0);
  const KS = [1, 3, 5];
  const recall = Object.fromEntries(
    KS.map((k) => [
      `top${k}`,
      {
        similarObjects: trackRecall(dense.captured!.objects, one.captured!.objects, objectQueries, k),
        pictureOfFrame: trackRecall(dense.captured!.objects, one.captured!.objects, frameQueries, k),
      },
    ]),
  ) as Record<string, { similarObjects: ReturnType<typeof trackRecall>; pictureOfFrame: ReturnType<typeof trackRecall> }>;
  const stageTable: Table = {
    title: "Busy time per stage (s) of the single-video run (default settings); work inside the stages below",
    columns: ["stage", "busy s", "share of wall"],
    rows: [
      ...Object.entries(one.pipelines[0]!.stageBusyMs).map(([stage, ms]) => [stage, round(ms / 1000), `${Math.round((100 * ms) / one.wallMs)}%`]),
      ...Object.entries(one.pipelines[0]!.workBusyMs).map(([work, ms]) => [`  ${work}`, round(ms / 1000), `${Math.round((100 * ms) / one.wallMs)}%`]),
    ],
  };
  const strip = (r: RunResult) => ({ pipelines: r.pipelines });
  return {
    title: `Ingest of a ${seconds} s 1280x720 video (ViT-B/32-sized CLIP, CenterNet detector on)`,
    settings: { seconds, width: 1280, height: 720, fps: 30, model: "clip-vit-b32-random-v1", detector: "centernet", sampling: "1 fps, scene cuts, no near-duplicate drop", embedBatch: 16, recallTracks: KS },
    metrics: {
      dense: { ...rows[0], ...strip(dense) },
      one: { ...rows[1], ...strip(one) },
      q8: { ...rows[2], ...strip(q8) },
      two: { ...rows[3], ...strip(two) },
      recall,
    },
    tables: [
      {
        title: "Ingest",
        columns: ["run", "wall s", "realtime x", "frames", "objects", "tracks", "crops embedded", "overlap", "busiest stage", "peak RSS MB"],
        rows: rows.map((r) => [r.name, r.wallSec, r.realtime, r.frames, r.objects, r.tracks, r.cropsEmbedded, r.overlapRatio, r.busiest, r.peakRssMb]),
      },
      {
        title: "Sparse crops against every crop: the share of the dense answer's k nearest tracks the sparse answer also names (exact cosine)",
        columns: ["queries", "count", ...KS.map((k) => `recall@${k}`)],
        rows: [
          ["similar objects (each track's first crop)", objectQueries.length, ...KS.map((k) => round(recall[`top${k}`]!.similarObjects.recall, 3))],
          ["picture of a frame (every 10th frame)", frameQueries.length, ...KS.map((k) => round(recall[`top${k}`]!.pictureOfFrame.recall, 3))],
        ],
      },
      stageTable,
    ],
    notes: [
      "overlap = pipeline wall time / busiest stage's busy time (1.0: the other stages run entirely behind it)",
      "busy time counts time a stage works, not time it waits for its neighbours; 'infer' includes the detector running in its worker thread alongside CLIP",
      "peak RSS is this process's (the runtime, both models, the pipeline), sampled every 50 ms",
    ],
  };
}
