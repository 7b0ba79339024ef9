/** What the rehearsal reports: the JSON it writes and the table it prints. */
import { mb, type StepResult } from "./support/steps.js";
import type { FunctionSize } from "./build.js";

export interface RehearsalResults {
  functions: FunctionSize[];
  layers: { name: string; unzippedBytes: number; zippedBytes: number }[];
  steps: StepResult[];
  coldSearchMs: number | null;
  coldSearch?: Record<string, number>;
  workerNodeModulesBytes: number | null;
}

export function describeSize(size: FunctionSize): string {
  const layers = size.withLayersBytes > size.unzippedBytes ? `, with layers ${mb(size.withLayersBytes)} of Lambda's 262.1 MB` : "";
  return `${size.name} ${mb(size.unzippedBytes)} unzipped (target ${mb(size.targetBytes)}${layers}), ${mb(size.zippedBytes)} zipped`;
}

export function printReport(results: RehearsalResults, log: (line: string) => void): void {
  const rows = results.steps.map((s) => [s.ok ? "ok" : "FAIL", s.name, `${(s.ms / 1000).toFixed(1)} s`, s.detail]);
  const width = (i: number) => Math.max(...rows.map((r) => r[i]!.length));
  log("\nRehearsal");
  for (const row of rows) log(`${row[0]!.padEnd(width(0))}  ${row[1]!.padEnd(width(1))}  ${row[2]!.padStart(width(2))}  ${row[3]}`);
  if (results.functions.length > 0) {
    log("\nFunction assets (unzipped / zipped; Lambda: 262.1 MB unzipped with layers)");
    for (const f of results.functions) log(`${f.ok ? "ok  " : "OVER"}  ${f.name.padEnd(16)} ${mb(f.unzippedBytes).padStart(9)} / ${mb(f.zippedBytes).padStart(9)}   target ${mb(f.targetBytes)}${f.withLayersBytes > f.unzippedBytes ? `, with layers ${mb(f.withLayersBytes)}` : ""}`);
    for (const l of results.layers) log(`      ${l.name.padEnd(16)} ${mb(l.unzippedBytes).padStart(9)} / ${mb(l.zippedBytes).padStart(9)}`);
  }
  if (results.workerNodeModulesBytes !== null) log(`\nWorker image node_modules: ${mb(results.workerNodeModulesBytes)}`);
  if (results.coldSearchMs !== null) log(`Cold first word search: ${(results.coldSearchMs / 1000).toFixed(2)} s`);
}
