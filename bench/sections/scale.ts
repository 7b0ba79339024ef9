/**
 * One long video over several workers: a 10-minute 720p video (the ingest section's zooming
 * party photograph) ingested (a) in one pass, (b) in segments by one worker, (c) in segments by
 * two workers, all through `vos serve` (the embedded runtime, as a user starts it), and (d) by the
 * AWS runtime on one machine (S3 and SQS on fauxqs, the Pinecone-protocol server, PostgreSQL,
 * the dispatcher starting a worker process per segment, two at a time). For each: wall time from
 * the upload's completion to `ready`, speedup over (a), time to the first searchable frame (its
 * first committed frame: committed frames are searched, `includeProcessing`), peak memory of the
 * process tree, and each segment's own time from the workers' "ingested" log lines. Then a model
 * of a 2-hour video on 1 to 128 Fargate tasks from those measured costs (see scale-model.ts).
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import path from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { createS3UploadTargets, startOneMachineCloud } from "@vos/core/runtime/cloud";
import { createApi } from "@vos/functions/api/app";
import { createClient, type Client } from "../../packages/cli/src/client.js";
import { startCloudTestEnvironment } from "../../packages/core/test/cloud/support/cloud-env.js";
import { benchModelDir } from "../support/bench-model.js";
import { sampleTreeMemory, type TreeMemory } from "../support/process-tree.js";
import { modelTable, predict, type Measured } from "../support/scale-model.js";
import { round } from "../support/stats.js";
import { startVosServer } from "../support/vos-server.js";
import { zoomVideo } from "../support/zoom-video.js";
import type { BenchContext, SectionResult } from "../types.js";

const SEGMENT_SEC = 120;
const MB = 2 ** 20;

interface Run {
  name: string;
  wallSec: number;
  videoSec: number;
  frames: number;
  objects: number;
  segments: number;
  firstSearchableSec: number | null;
  memory: TreeMemory;
  /** Each job's own time and inference share ("ingested" / "segment ingested" log lines). */
  jobs: JobLine[];
}

interface JobLine {
  sec: number;
  /** The job's inference busy time over its own time. */
  inferShare: number;
}

/** Each job's time and inference share, from the runtime's "ingested" / "segment ingested" log lines. */
function jobLines(output: string): JobLine[] {
  const jobs: JobLine[] = [];
  for (const line of output.split("\n")) {
    if (!/"msg":"(segment )?ingested"/.test(line)) continue;
    try {
      const record = JSON.parse(line.slice(line.indexOf("{"))) as { ms: number; busyMs?: Record<string, number> };
      jobs.push({ sec: record.ms / 1000, inferShare: (record.busyMs?.infer ?? 0) / Math.max(1, record.ms) });
    } catch {
      // A line cut by the log's window: skip it.
    }
  }
  return jobs;
}

/** Time spent loading models, summed over the output's "... loaded" / "clip model ready" lines (seconds). */
function modelLoadSec(output: string): number {
  let ms = 0;
  for (const line of output.split("\n")) {
    if (!/"msg":"(clip model ready|clip vision encoder loaded|clip text encoder loaded|object detector loaded)"/.test(line)) continue;
    ms += Number(/"ms":(\d+)/.exec(line)?.[1] ?? 0);
  }
  return ms / 1000;
}

/** Uploads the file, then follows the video from `complete` to ready, noting its first committed frame. */
async function ingestAndFollow(context: BenchContext, client: Client, file: string, name: string): Promise<Omit<Run, "memory" | "jobs" | "name">> {
  const uploaded = await client.uploadFile(file);
  const started = performance.now();
  let firstSearchableSec: number | null = null;
  for (let polls = 0; ; polls++) {
    const video = await client.getVideo(uploaded.id);
    if (firstSearchableSec === null && video.frameCount > 0) firstSearchableSec = (performance.now() - started) / 1000;
    if (video.status === "ready" || video.status === "failed") {
      if (video.status === "failed") throw new Error(`${name}: the video failed: ${video.error?.code}: ${video.error?.message}`);
      return {
        wallSec: (performance.now() - started) / 1000,
        videoSec: video.durationSec ?? 0,
        frames: video.frameCount,
        objects: video.objectCount,
        segments: video.job?.segments.total ?? 1,
        firstSearchableSec,
      };
    }
    if (polls % 40 === 0) context.progress(`${name}: ${video.status}, ${video.frameCount} frames, ${video.job?.segments.succeeded ?? 0}/${video.job?.segments.total ?? 1} segments`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** (a)-(c): `vos serve` with `workers` jobs at once, in segments of `segmentSec` (0: one pass). */
async function embedded(context: BenchContext, file: string, env: Record<string, string>, name: string, options: { workers: number; segmentSec: number }): Promise<Run> {
  const dataDir = await mkdtemp(path.join(context.tmpDir, "embedded-"));
  const server = await startVosServer(context.repoRoot, { ...env, VOS_DATA_DIR: dataDir, VOS_WORKERS: String(options.workers), VOS_SEGMENT_SEC: String(options.segmentSec), VOS_LOG_LEVEL: "info" });
  const sampler = sampleTreeMemory(server.pid);
  try {
    const followed = await ingestAndFollow(context, createClient(`${server.url}/`, (request) => fetch(request)), file, name);
    return { name, ...followed, memory: await sampler.stop(), jobs: jobLines(server.log()) };
  } finally {
    await sampler.stop();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** (d): the AWS runtime on one machine, the API in this process, a worker process per segment, `tasks` at once. */
async function cloud(context: BenchContext, file: string, env: Record<string, string>, name: string, tasks: number): Promise<Run & { taskSec: number[]; modelLoadSec: number }> {
  const cloudEnv = await startCloudTestEnvironment({ dimension: 512, env: { ...env, VOS_SEGMENT_SEC: String(SEGMENT_SEC), VOS_MAX_TASKS: String(tasks), VOS_LOG_LEVEL: "info" } });
  const saved = { ...process.env };
  Object.assign(process.env, cloudEnv.env);
  const lines: string[] = [];
  const sampler = sampleTreeMemory(process.pid, { track: (cmdline) => cmdline.includes("packages/worker/src/main.ts") });
  const machine = await startOneMachineCloud(cloudEnv.env, { pollMs: 100, workerOutput: (line) => lines.push(line) });
  try {
    // The emulator takes request bodies up to 11 MiB: parts of 8 MiB instead of S3's usual 16.
    const s3 = new S3Client({ endpoint: cloudEnv.fauxqs.endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    const uploads = createS3UploadTargets({ s3, bucket: cloudEnv.names.uploads, preferredPartBytes: 8 * MB });
    const app = createApi({ services: { ...machine.api.services, uploads }, tenantOf: () => "local" });
    const origin = "http://vos.bench";
    const client = createClient(`${origin}/`, async (request) => (request.url.startsWith(origin) ? app.fetch(request) : fetch(request)));
    const followed = await ingestAndFollow(context, client, file, name);
    const memory = await sampler.stop();
    const output = lines.join("\n");
    return { name, ...followed, memory, jobs: jobLines(output), modelLoadSec: modelLoadSec(output), taskSec: memory.tracked.map((task) => (task.lastMs - task.firstMs) / 1000) };
  } finally {
    await sampler.stop();
    await machine.stop();
    await cloudEnv.close();
    process.env = saved;
  }
}

export async function run(context: BenchContext): Promise<SectionResult> {
  const seconds = context.quick ? 240 : 600;
  const model = await benchModelDir();
  const file = await zoomVideo(context, seconds);
  // One frame every 2 s, nothing dropped, the detector on: 300 frames of the 10 minutes, each
  // with objects, so every segment does the whole pipeline's work.
  const env = { VOS_CLIP_MODEL: model.dir, VOS_DETECTOR: "centernet", VOS_SAMPLE_FPS: "0.5", VOS_DEDUP: "false" };
  context.progress(`${seconds} s video: ${round((await stat(file)).size / MB)} MB`);

  const single = await embedded(context, file, env, "(a) one pass, 1 worker", { workers: 1, segmentSec: 0 });
  const oneWorker = await embedded(context, file, env, "(b) segments, 1 worker", { workers: 1, segmentSec: SEGMENT_SEC });
  const twoWorkers = await embedded(context, file, env, "(c) segments, 2 workers", { workers: 2, segmentSec: SEGMENT_SEC });
  const cloudRun = await cloud(context, file, env, "(d) AWS runtime on one machine, 2 worker processes", 2);
  const runs: Run[] = [single, oneWorker, twoWorkers, cloudRun];

  const rows = runs.map((r) => ({
    name: r.name,
    wallSec: round(r.wallSec),
    realtime: round(r.videoSec / r.wallSec),
    speedup: round(single.wallSec / r.wallSec),
    segments: r.segments,
    frames: r.frames,
    objects: r.objects,
    firstSearchableSec: r.firstSearchableSec === null ? null : round(r.firstSearchableSec),
    peakTreeMb: round(r.memory.peakSum / MB, 0),
    peakProcessMb: round(r.memory.peakProcess / MB, 0),
    meanJobSec: round(mean(r.jobs.map((job) => job.sec))),
  }));
  const measured: Measured = {
    videoSec: single.videoSec,
    segmentSec: SEGMENT_SEC,
    // One task's pace: video seconds per second of a segment's own work, from the 1-worker run.
    secPerVideoSec: sum(oneWorker.jobs.map((job) => job.sec)) / oneWorker.videoSec,
    // What a worker process costs besides its segment's work: its start, connections and the
    // video's download (its life outside the job) and loading both models (inside the job).
    taskOverheadSec: Math.max(0, mean(cloudRun.taskSec) - mean(cloudRun.jobs.map((job) => job.sec))) + cloudRun.modelLoadSec / Math.max(1, cloudRun.taskSec.length),
    inferShare: sum(oneWorker.jobs.map((job) => job.sec * job.inferShare)) / Math.max(1e-9, sum(oneWorker.jobs.map((job) => job.sec))),
    framesPerVideoSec: single.frames / single.videoSec,
    objectsPerFrame: single.objects / Math.max(1, single.frames),
  };
  // A 2-hour video: the fleet sizes asked about, GPU tasks, and longer segments for a small fleet.
  const predictions = [
    ...[1, 8, 32, 128].map((tasks) => predict(measured, { videoSec: 7200, tasks })),
    ...[1, 8, 32].map((tasks) => predict(measured, { videoSec: 7200, tasks, kind: "gpu" })),
    ...[300, 600].map((segmentSec) => predict(measured, { videoSec: 7200, tasks: 32, segmentSec })),
  ];
  return {
    title: `One ${seconds / 60}-minute 1280x720 video over several workers (ViT-B/32-sized CLIP, CenterNet detector, 1 frame every 2 s)`,
    settings: { seconds, width: 1280, height: 720, segmentSec: SEGMENT_SEC, sampling: "0.5 fps, no near-duplicate drop", detector: "centernet", model: "clip-vit-b32-random-v1" },
    metrics: {
      runs: rows,
      segmentOverhead: round(oneWorker.wallSec / single.wallSec - 1, 3),
      twoWorkerSpeedup: round(oneWorker.wallSec / twoWorkers.wallSec, 3),
      jobSec: Object.fromEntries(runs.map((r) => [r.name, r.jobs.map((job) => round(job.sec))])),
      cloudTaskSec: cloudRun.taskSec.map((s) => round(s)),
      cloudModelLoadSec: round(cloudRun.modelLoadSec),
      measured,
      predictions,
    },
    tables: [
      {
        title: "Ingest of one long video",
        columns: ["run", "wall s", "realtime x", "speedup", "segments", "frames", "objects", "first searchable s", "peak RSS MB (all processes)", "largest process MB", "mean job s"],
        rows: rows.map((r) => [r.name, r.wallSec, r.realtime, r.speedup, r.segments, r.frames, r.objects, r.firstSearchableSec, r.peakTreeMb, r.peakProcessMb, r.meanJobSec]),
      },
      modelTable(measured, predictions),
    ],
    notes: [
      `segment overhead (b vs a): ${round(100 * (oneWorker.wallSec / single.wallSec - 1), 1)}%; 2 workers vs 1 (c vs b): ${round(oneWorker.wallSec / twoWorkers.wallSec, 2)}x`,
      "one worker already keeps both cores busy (ONNX Runtime's threads for CLIP and the detector, ffmpeg's decoder), so a second worker on the same 2 cores mostly shares them",
      "first searchable = the first committed frame (committed frames and their vectors are searched while the video is processed)",
      "GPU rows assume inference (the measured infer share of a segment's time) runs 10x faster on the GPU task; no GPU was measured here: run bench/gpu-embed.ts on the instance type to replace it",
      "(d) counts the emulators (fauxqs, the Pinecone-protocol server, PGlite behind a socket) in this process; its worker processes start from the bundle and load both models per segment",
    ],
  };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const mean = (values: number[]) => (values.length === 0 ? 0 : sum(values) / values.length);
