/**
 * `npm run bench [-- --only search,sampling] [--quick]`: runs the sections in bench/sections/
 * (each `<name>.ts` exports `run(context)`), prints a table per measurement, and writes
 * `bench/results/<ISO timestamp>.json` and `bench/results/latest.json`: machine, settings and
 * numbers of every section. A section that throws is reported and the run exits with status 1,
 * after the other sections ran and the results were written.
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { setLogLevel } from "@vos/core";
import { renderTable } from "./support/table.js";
import type { BenchContext, Section, SectionResult } from "./types.js";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(BENCH_DIR, "..");
const SECTIONS_DIR = path.join(BENCH_DIR, "sections");
const RESULTS_DIR = path.join(BENCH_DIR, "results");
/** Sections run in this order; any other section runs after them, by name. */
const ORDER = ["model", "ingest", "search", "sampling", "load"];

type SectionRecord =
  | ({ status: "ok"; durationSec: number } & SectionResult)
  | { status: "failed"; durationSec: number; error: string };

async function availableSections(): Promise<string[]> {
  const files = await readdir(SECTIONS_DIR);
  const names = files.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts")).map((file) => file.slice(0, -3));
  const rank = (name: string) => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    availableParallelism: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    freeMemoryBytes: os.freemem(),
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    osRelease: os.release(),
  };
}

/** The checked-out commit, when git is there (read only). */
function gitCommit(): string | null {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { only: { type: "string" }, quick: { type: "boolean", default: false } } });
  const available = await availableSections();
  const only = values.only?.split(",").map((name) => name.trim()).filter(Boolean);
  const unknown = only?.filter((name) => !available.includes(name)) ?? [];
  if (unknown.length > 0) {
    console.error(`Unknown section(s): ${unknown.join(", ")}. Sections: ${available.join(", ")}.`);
    return 2;
  }
  const selected = only ? available.filter((name) => only.includes(name)) : available;
  setLogLevel(process.env.VOS_LOG_LEVEL === undefined ? "warn" : (process.env.VOS_LOG_LEVEL as Parameters<typeof setLogLevel>[0]));

  const startedAt = new Date();
  const tmpDir = await mkdtemp(path.join(os.tmpdir(), "vos-bench-"));
  const sections: Record<string, SectionRecord> = {};
  console.log(`Benchmark: ${selected.join(", ")}${values.quick ? " (quick)" : ""} on ${os.cpus().length} CPUs, Node ${process.version}`);
  try {
    for (const name of selected) {
      const started = performance.now();
      const context: BenchContext = {
        repoRoot: REPO_ROOT,
        cacheDir: path.join(REPO_ROOT, ".cache", "bench"),
        tmpDir: path.join(tmpDir, name),
        quick: values.quick ?? false,
        progress: (message) => console.error(`[${name} ${((performance.now() - started) / 1000).toFixed(1)}s] ${message}`),
      };
      await mkdir(context.tmpDir, { recursive: true });
      console.log(`\n=== ${name} ===`);
      try {
        const module = (await import(pathToFileURL(path.join(SECTIONS_DIR, `${name}.ts`)).href)) as { run?: Section };
        if (typeof module.run !== "function") throw new Error(`bench/sections/${name}.ts does not export run(context)`);
        const result = await module.run(context);
        const durationSec = Math.round((performance.now() - started) / 100) / 10;
        sections[name] = { status: "ok", durationSec, ...result };
        console.log(result.title);
        for (const table of result.tables) console.log(`\n${renderTable(table)}`);
        for (const note of result.notes ?? []) console.log(`note: ${note}`);
        console.log(`(${name}: ${durationSec} s)`);
      } catch (error) {
        const durationSec = Math.round((performance.now() - started) / 100) / 10;
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        sections[name] = { status: "failed", durationSec, error: message };
        console.error(`\n!!! SECTION ${name} FAILED after ${durationSec} s:\n${message}\n`);
      }
    }
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }

  const finishedAt = new Date();
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationSec: Math.round((finishedAt.getTime() - startedAt.getTime()) / 100) / 10,
    argv: process.argv.slice(2),
    quick: values.quick ?? false,
    commit: gitCommit(),
    machine: machine(),
    sections,
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  const json = JSON.stringify(report, null, 2) + "\n";
  const file = path.join(RESULTS_DIR, `${startedAt.toISOString().replace(/:/g, "-")}.json`);
  await writeFile(file, json);
  await writeFile(path.join(RESULTS_DIR, "latest.json"), json);
  const failed = Object.entries(sections).filter(([, record]) => record.status === "failed").map(([name]) => name);
  console.log(`\nResults: ${path.relative(process.cwd(), file)} (and bench/results/latest.json), ${report.durationSec} s in all.`);
  if (failed.length > 0) {
    console.error(`FAILED: ${failed.join(", ")}`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
