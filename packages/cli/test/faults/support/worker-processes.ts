/**
 * The worker tasks the one-machine cloud started, found as this process's children running the
 * worker entry (Linux /proc), with the job each one runs: what a fault test kills.
 */
import { readdir, readFile } from "node:fs/promises";

export interface WorkerProcess {
  pid: number;
  jobId: string;
}

export async function workerProcesses(parent = process.pid): Promise<WorkerProcess[]> {
  const found: WorkerProcess[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      // The command may hold spaces and parentheses: fields resume after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== parent) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8");
      if (!cmdline.includes("packages/worker/src/main.ts")) continue;
      const environ = (await readFile(`/proc/${entry}/environ`, "utf8")).split("\0");
      const jobId = environ.find((line) => line.startsWith("VOS_JOB_ID="))?.slice("VOS_JOB_ID=".length);
      if (jobId) found.push({ pid: Number(entry), jobId });
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/** Whether the process is gone (or a zombie waiting to be reaped). */
export async function gone(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}
