import { readFile } from "node:fs/promises";

/**
 * CPU seconds this process has used, its threads included, plus those of its children that have
 * exited (ffmpeg): /proc/self/stat's utime, stime, cutime and cstime. Two readings around a run
 * give its core-seconds; on N cores the run cannot take less wall time than that over N.
 */
export async function cpuSeconds(): Promise<number> {
  const stat = await readFile("/proc/self/stat", "utf8").catch(() => "");
  // Fields after the command name (which may hold spaces) start at the state, field 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = [11, 12, 13, 14].map((i) => Number(fields[i] ?? NaN));
  if (ticks.some((t) => !Number.isFinite(t))) {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  }
  // The kernel's USER_HZ is 100 on every Linux this runs on.
  return ticks.reduce((sum, t) => sum + t, 0) / 100;
}
