/**
 * The worker task: runs one ingest job, by id, with the cloud adapters, then exits. ECS starts it
 * as `node --import tsx packages/worker/src/main.ts` with the job id in VOS_JOB_ID (the
 * dispatcher's container override); `main.ts <jobId>` works too. Exit code 0 means the outcome
 * is recorded (done, failed, or handed back to the queue); anything else is a crash, which the
 * task-events function settles.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger, errorMessage } from "@vos/core";
import { currentTaskId, loadCloudConfig, runCloudJob, startCloudRuntime } from "@vos/core/cloud";

const log = createLogger({ runtime: "cloud", role: "worker" });

async function main(): Promise<number> {
  const jobId = process.env.VOS_JOB_ID?.trim() || process.argv[2];
  if (!jobId) {
    log.error("no job to run: set VOS_JOB_ID (or pass the job id as the first argument)");
    return 2;
  }
  const config = loadCloudConfig(process.env, "worker");
  const sourceDir = await mkdtemp(path.join(tmpdir(), "vos-task-"));
  const runtime = await startCloudRuntime(config, { log: log.child({ jobId }), sourceDir });
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
    await rm(sourceDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log.error("worker failed", { error: errorMessage(error), stack: error instanceof Error ? error.stack : undefined });
    process.exit(1);
  },
);
