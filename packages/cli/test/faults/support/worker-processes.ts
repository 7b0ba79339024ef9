/**
 * The worker tasks the one-machine cloud started, found as this process's children running the
 * worker entry (Linux /proc), with the job each one runs: what a fault test kills.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface WorkerProcess {
  pid: number;
  jobId: string;
}

/**
 * Processes already found to be another parent's, by parent. A fault test scans every 50 ms;
 * reading every process's stat each time cost a quarter of a core. A pid leaves the set when it
 * leaves /proc, so a reused pid is looked at again.
 */
const notWorkers = new Map<number, Set<number>>();

export async function workerProcesses(parent = process.pid): Promise<WorkerProcess[]> {
  const skip = notWorkers.get(parent) ?? new Set<number>();
  notWorkers.set(parent, skip);
  const present = new Set<number>();
  const found: WorkerProcess[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    present.add(pid);
    if (skip.has(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // The command may hold spaces and parentheses: fields resume after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      // Only other parents' processes are remembered: a child may not have exec'd the worker yet.
      if (ppid !== parent) {
        skip.add(pid);
        continue;
      }
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("packages/worker/src/main.ts")) continue;
      const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
      const jobId = environ.find((line) => line.startsWith("VOS_JOB_ID="))?.slice("VOS_JOB_ID=".length);
      if (jobId) found.push({ pid, jobId });
    } catch {
      // exited while we looked
    }
  }
  for (const pid of skip) if (!present.has(pid)) skip.delete(pid);
  return found;
}

/** Whether the process is gone (or a zombie waiting to be reaped). */
export async function gone(pid: number): Promise<boolean> {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}
