/**
 * `npm run rehearse -- --after <file>`: the preparation (the model hub, the worker image, the
 * build, the size checks) needs no timing, so CI runs it beside the tests in the idle scheduling
 * class; the stage (functions with Lambda's timeouts, a timed cold start) waits until `file`
 * exists, then this process leaves the idle class, and every process it starts from then on runs
 * at normal priority.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";

export async function goAhead(file: string, log: (line: string) => void): Promise<void> {
  log(`- prepared; the stage starts when ${file} exists`);
  while (!fs.existsSync(file)) await new Promise((resolve) => setTimeout(resolve, 500));
  const policy = spawnSync("chrt", ["-p", String(process.pid)], { encoding: "utf8" });
  if (!/SCHED_IDLE/.test(policy.stdout ?? "")) return;
  // Every thread of this process (-a); the processes it starts later inherit the class.
  const moved = spawnSync("chrt", ["--other", "-a", "-p", "0", String(process.pid)], { encoding: "utf8" });
  if (moved.status !== 0) throw new Error(`could not leave the idle scheduling class: ${moved.stderr || moved.error?.message}`);
  log("  left the idle scheduling class");
}
