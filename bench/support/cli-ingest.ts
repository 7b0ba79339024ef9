/**
 * `vos ingest <file> --wait` as a user runs it, in a fresh data folder: the CLI's bin script opens
 * the embedded runtime, loads both models, ingests and exits. Its wall time includes start-up and
 * model loading; its peak memory is the process's VmHWM, read from /proc every 100 ms while it runs
 * (the high-water mark only grows, so the last reading before exit holds the peak).
 */
import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import path from "node:path";
import { processMemory } from "./vos-server.js";

export interface CliIngest {
  wallSec: number;
  processPeakRssMb: number;
  frames: number;
}

export async function cliIngest(repoRoot: string, tmpDir: string, file: string, env: Record<string, string>): Promise<CliIngest> {
  const dataDir = await mkdtemp(path.join(tmpDir, "cli-ingest-"));
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(repoRoot, "packages/cli/bin/vos.js"), "ingest", file, "--wait", "--json"], {
    cwd: repoRoot,
    env: { ...process.env, VOS_LOG_LEVEL: "warn", ...env, VOS_DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-5000)));
  let peak = 0;
  const sampler = setInterval(() => {
    processMemory(child.pid!).then(
      // A process that has exited but is not yet reaped has no memory lines (NaN).
      (memory) => (peak = Number.isFinite(memory.peak) ? Math.max(peak, memory.peak) : peak),
      () => {}, // exited between two readings
    );
  }, 100);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  }).finally(() => clearInterval(sampler));
  const wallSec = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`vos ingest exited with ${code}:\n${stderr}`);
  const [video] = JSON.parse(stdout) as { status: string; frames: number }[];
  if (video?.status !== "ready") throw new Error(`vos ingest ended with ${stdout}`);
  return { wallSec, processPeakRssMb: Math.round(peak / 2 ** 20), frames: video.frames };
}
