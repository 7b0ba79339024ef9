/**
 * The worker task: runs one ingest job, by id, with the cloud adapters, then exits. ECS starts it
 * as `node --import tsx packages/worker/src/main.ts` with the job id in VOS_JOB_ID (the
 * dispatcher's container override); `main.ts <jobId>` works too. Exit code 0 means the outcome
 * is recorded (done, failed, or handed back to the queue); anything else is a crash, which the
 * task-events function settles.
 *
 * `VOS_WORKER_CHECK=1` (or `main.ts --check`) runs no job: see `check` below.
 */
import { spawnSync } from "node:child_process";
import { createLogger, errorMessage } from "@vos/core";
import { currentTaskId, loadCloudConfig, modelLoaders, runCloudJob, startCloudRuntime } from "@vos/core/runtime/cloud";
import { encodeJpeg, ffmpegCapabilities, resolveBinary } from "@vos/core/media";

const log = createLogger({ runtime: "cloud", role: "worker" });

async function main(): Promise<number> {
  const jobId = process.env.VOS_JOB_ID?.trim() || process.argv[2];
  if (!jobId) {
    log.error("no job to run: set VOS_JOB_ID (or pass the job id as the first argument)");
    return 2;
  }
  const config = loadCloudConfig(process.env, "worker");
  const runtime = await startCloudRuntime(config, { log: log.child({ jobId }) });
  // ECS sends SIGTERM before stopping a task (scale-in, spot interruption, StopTask): hand the
  // job back instead of losing the attempt's place.
  const shutdown = new AbortController();
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      log.warn("stopping: handing the job back", { jobId, signal });
      shutdown.abort();
    });
  }
  try {
    const taskId = await currentTaskId();
    const { code } = await runCloudJob(runtime, jobId, { taskId, signal: shutdown.signal });
    return code;
  } finally {
    await runtime.close().catch(() => {});
  }
}

/**
 * Loads everything a job uses, without a job, a database or AWS, then exits 0: the modules (the
 * AWS SDK clients, postgres.js and Pinecone load with the imports above), ffmpeg and ffprobe,
 * sharp, the CLIP model's vision half from VOS_CLIP_MODEL / VOS_MODEL_CACHE (one embedding) and
 * the detector (one detection), on the device VOS_CLIP_DEVICE names. The image build and
 * scripts/measure-image.ts run it, so a dependency the install left out fails there, not in a task.
 */
async function check(): Promise<number> {
  const started = performance.now();
  // The model settings only, as at image build: no database, buckets, queues or Pinecone key.
  const config = loadCloudConfig(process.env, "bake-model");
  const ffmpeg = resolveBinary("ffmpeg");
  const ffprobe = resolveBinary("ffprobe");
  const probeRun = spawnSync(ffprobe.path, ["-hide_banner", "-version"], { encoding: "utf8", timeout: 15_000 });
  if (probeRun.status !== 0) throw new Error(`ffprobe at ${ffprobe.path} did not run: ${probeRun.error?.message ?? probeRun.stderr}`);
  const { version } = ffmpegCapabilities();

  const width = 320;
  const height = 240;
  const rgb = Buffer.alloc(width * height * 3, 128);
  const jpeg = await encodeJpeg({ rgb, width, height }, { width: 160 });

  const models = modelLoaders(config, config.modelCacheDir);
  const embedder = await models.embedder();
  const [vector] = await embedder.embedImages([{ data: rgb, width, height }]);
  if (vector?.length !== embedder.dimension) throw new Error(`the CLIP model gave a vector of ${vector?.length} values, expected ${embedder.dimension}`);
  const detector = models.detector ? await models.detector() : undefined;
  const detections = detector ? await detector.detect([{ data: rgb, width, height }]) : undefined;
  await detector?.close();

  log.info("worker check passed", {
    ffmpeg: { path: ffmpeg.path, source: ffmpeg.source, version },
    ffprobe: { path: ffprobe.path, source: ffprobe.source },
    jpegBytes: jpeg.length,
    clip: { model: embedder.model, dimension: embedder.dimension, deviceSetting: config.clip.device },
    detector: detector ? { name: detector.name, detections: detections?.[0]?.length ?? 0 } : "off",
    ms: Math.round(performance.now() - started),
  });
  return 0;
}

const checking = process.env.VOS_WORKER_CHECK === "1" || process.argv[2] === "--check";
(checking ? check() : main()).then(
  (code) => process.exit(code),
  (error: unknown) => {
    log.error(checking ? "worker check failed" : "worker failed", { error: errorMessage(error), stack: error instanceof Error ? error.stack : undefined });
    process.exit(1);
  },
);
