import { readFile } from "node:fs/promises";

/**
 * This process's peak resident memory. Linux's getrusage maximum survives exec, so a child of a
 * large process would report its parent's peak; /proc's VmHWM belongs to this process alone.
 */
export async function peakRss(): Promise<number> {
  const status = await readFile("/proc/self/status", "utf8").catch(() => "");
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : process.resourceUsage().maxRSS * 1024;
}
