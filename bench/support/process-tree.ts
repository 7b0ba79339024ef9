/**
 * Memory of a process and everything it started (Linux /proc): worker processes come and go, so
 * a sampler adds up the resident memory of the whole tree every few hundred milliseconds and
 * keeps the highest sum, and the highest peak (VmHWM) any one process reached.
 */
import { readdir, readFile } from "node:fs/promises";

async function parentOf(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  // The command name is in parentheses and may hold spaces: fields follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ppid = Number(fields[1]);
  return Number.isFinite(ppid) ? ppid : undefined;
}

/** `root` and every process below it, now. */
export async function processTree(root: number): Promise<number[]> {
  const pids = (await readdir("/proc").catch(() => [] as string[])).filter((name) => /^\d+$/.test(name)).map(Number);
  const parents = new Map<number, number>();
  await Promise.all(pids.map(async (pid) => parents.set(pid, (await parentOf(pid)) ?? 0)));
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

/** A process of the tree that `track` matched: when it was first and last seen (ms, performance.now()). */
export interface TrackedProcess {
  pid: number;
  firstMs: number;
  lastMs: number;
}

export interface TreeMemory {
  /** The highest sum of resident memory over the tree at one sample (bytes). */
  peakSum: number;
  /** The highest peak (VmHWM) of any one process in the tree (bytes). */
  peakProcess: number;
  /** Processes seen in the tree, the root included. */
  processes: number;
  /** The processes whose command line `track` matched, in order of appearance. */
  tracked: TrackedProcess[];
}

/**
 * Samples the tree under `root` every `everyMs` until `stop()`, which returns what it saw;
 * processes whose command line `track` matches are followed from first to last sight.
 */
export function sampleTreeMemory(root: number, options: { everyMs?: number; track?: (cmdline: string) => boolean } = {}): { stop(): Promise<TreeMemory> } {
  const everyMs = options.everyMs ?? 250;
  const seen = new Set<number>();
  const tracked = new Map<number, TrackedProcess>();
  let peakSum = 0;
  let peakProcess = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const tree = await processTree(root);
      const memory = await Promise.all(tree.map(memoryOf));
      const now = performance.now();
      for (const pid of tree) {
        if (!seen.has(pid) && options.track && options.track((await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).replaceAll("\0", " "))) {
          tracked.set(pid, { pid, firstMs: now, lastMs: now });
        }
        seen.add(pid);
        const known = tracked.get(pid);
        if (known) known.lastMs = now;
      }
      peakSum = Math.max(peakSum, memory.reduce((sum, m) => sum + m.rss, 0));
      peakProcess = Math.max(peakProcess, ...memory.map((m) => m.peak));
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { peakSum, peakProcess, processes: seen.size, tracked: [...tracked.values()] };
    },
  };
}
