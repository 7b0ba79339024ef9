/**
 * One default ingest in a process of its own: `freshIngest` runs this file with node, which runs
 * ingestAtOnce once and prints its summary with the process's peak resident memory (VmHWM: the
 * runtime, both models, the pipeline and nothing a bench run did before).
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ingestAtOnce, summary } from "./ingest-run.js";
import { peakRss } from "./peak-rss.js";
import { round } from "./stats.js";

interface Request {
  file: string;
  modelDir: string;
  tmpDir: string;
  env: Record<string, string>;
}

export type FreshResult = ReturnType<typeof summary> & { processPeakRssMb: number };

/** Runs one ingest of `file` in a fresh node process; its summary and its whole peak memory. */
export function freshIngest(request: Request): Promise<FreshResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), JSON.stringify(request)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`the fresh ingest process exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split("\n").at(-1)!) as FreshResult);
      } catch (error) {
        reject(new Error(`the fresh ingest process printed no result: ${String(error)}`));
      }
    });
  });
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2]!) as Request;
  const result = await ingestAtOnce({ tmpDir: request.tmpDir, progress: () => {} }, request.file, 1, request.modelDir, request.env);
  const line: FreshResult = { ...summary("fresh process", result), processPeakRssMb: round((await peakRss()) / 2 ** 20, 0) };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

if (path.resolve(process.argv[1] ?? "") === fileURLToPath(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
