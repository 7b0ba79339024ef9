/**
 * What a worker task's start costs: the self-check the images run (`VOS_WORKER_CHECK=1`, which
 * loads every module, ffmpeg, the ViT-B/32-sized CLIP model's vision half with one embedding and
 * CenterNet with one detection), started as WORKER_COMMAND starts a task, from the entry's bundle
 * (packages/core/bin/bundle.js). Two ways, alternating in one run so their ratio compares: the
 * detector's thread from the thread entry built beside the bundle (what runs), and through tsx in
 * that thread (what ran before: the same bundle without thread entries). Each way keeps its own
 * bundle folder inside node_modules, where a bundle finds tsx.
 */
import { spawn } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { benchModelDir } from "../support/bench-model.js";
import { quantile, round } from "../support/stats.js";
import type { BenchContext, SectionResult } from "../types.js";

const ENTRY = "packages/worker/src/main.ts";

interface Way {
  name: string;
  /** runEntry's thread entries: undefined for the checkout's own (the detector's), {} for none. */
  threads?: Record<string, string>;
}
const WAYS: Way[] = [
  { name: "detector's thread from the bundle" },
  { name: "detector's thread through tsx (before)", threads: {} },
];

interface Start {
  wallMs: number;
  cpuMs: number;
  detectorMs: number;
  thread: string;
}

/**
 * One start of the self-check, as a new process; its CPU (threads included) it reports at exit.
 * The script is a file, not `-e`: a thread would inherit `--input-type`, which Node refuses there.
 */
async function start(context: BenchContext, way: Way, cache: string, model: string): Promise<Start> {
  const loader = pathToFileURL(path.join(context.repoRoot, "packages/core/bin/bundle.js")).href;
  const options = JSON.stringify({ cache, ...(way.threads ? { threads: way.threads } : {}) });
  const script = [
    `process.on("exit", () => { const u = process.cpuUsage(); process.stdout.write("\\nbench-cpu-ms " + (u.user + u.system) / 1000 + "\\n"); });`,
    `const { runEntry } = await import(${JSON.stringify(loader)});`,
    `await runEntry(${JSON.stringify(ENTRY)}, ${options});`,
  ].join("\n");
  const file = path.join(context.tmpDir, `start-${path.basename(cache)}.mjs`);
  await writeFile(file, script);
  const env = { ...process.env, VOS_WORKER_CHECK: "1", VOS_CLIP_MODEL: model, VOS_MODEL_DOWNLOAD: "off", VOS_LOG_LEVEL: "info" };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [file], { cwd: context.repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      const wallMs = performance.now() - started;
      const cpu = /bench-cpu-ms ([\d.]+)/.exec(output);
      const loaded = /"msg":"object detector loaded".*?"thread":"(\w+)","ms":(\d+)/.exec(output);
      if (code !== 0 || !cpu || !loaded) return reject(new Error(`the self-check (${way.name}) failed with exit ${code}:\n${output.slice(-2000)}`));
      resolve({ wallMs, cpuMs: Number(cpu[1]), detectorMs: Number(loaded[2]), thread: loaded[1]! });
    });
  });
}

export async function run(context: BenchContext): Promise<SectionResult> {
  const model = await benchModelDir();
  const runs = context.quick ? 2 : 5;
  const caches = WAYS.map((_, i) => path.join(context.repoRoot, "node_modules", ".cache", `vos-bench-starts-${i}`));
  const starts: Start[][] = WAYS.map(() => []);
  try {
    // A first start of each builds its bundle (and warms the file cache); it is not counted.
    for (const [i, way] of WAYS.entries()) await start(context, way, caches[i]!, model.dir);
    for (let run = 0; run < runs; run++) {
      for (const [i, way] of WAYS.entries()) {
        context.progress(`${way.name}: start ${run + 1} of ${runs}`);
        starts[i]!.push(await start(context, way, caches[i]!, model.dir));
      }
    }
  } finally {
    await Promise.all(caches.map((cache) => rm(cache, { recursive: true, force: true })));
  }
  const summarised = WAYS.map((way, i) => {
    const mine = starts[i]!;
    const walls = mine.map((s) => s.wallMs);
    const median = (values: number[]) => round(quantile(values, 0.5), 0);
    return {
      way: way.name,
      thread: mine[0]!.thread,
      wallMs: median(walls),
      cpuMs: median(mine.map((s) => s.cpuMs)),
      detectorReadyMs: median(mine.map((s) => s.detectorMs)),
      wallMsRange: [round(Math.min(...walls), 0), round(Math.max(...walls), 0)],
    };
  });
  const [now, before] = summarised as [(typeof summarised)[number], (typeof summarised)[number]];
  return {
    title: "Worker start: the images' self-check, started as a task starts",
    settings: { entry: ENTRY, runs, model: "ViT-B/32-sized random CLIP (fp32 vision half), CenterNet", alternating: true },
    metrics: { ways: summarised, cpuSavedMs: round(before.cpuMs - now.cpuMs, 0), wallSavedMs: round(before.wallMs - now.wallMs, 0) },
    tables: [
      {
        title: `Median of ${runs} starts each, alternating (CPU: the process's own, its threads included)`,
        columns: ["way", "thread log", "wall ms", "wall range ms", "CPU ms", "detector ready ms"],
        rows: summarised.map((s) => [s.way, s.thread, s.wallMs, `${s.wallMsRange[0]}-${s.wallMsRange[1]}`, s.cpuMs, s.detectorReadyMs]),
      },
    ],
    notes: ["Every `vos` command and worker task that loads the detector starts it this way; the first start of each way (its bundle build) is not counted."],
  };
}
