/**
 * One shared synthesis, run by the stacks project's global setup in its own process
 * (`node --import tsx synthesize-shared.ts <name> <dir>`): the app as `synthesizeForTest` makes it,
 * written to `<dir>/<name>/`, then `<dir>/<name>.done` (or `<dir>/<name>.failed` with the error).
 */
import fs from "node:fs";
import { synthesize } from "../../synthesize.js";
import { SHARED_SYNTHESES, sharedSynthesisFiles, type SharedSynthesis, type SharedSynthesisName } from "./syntheses.js";
import { testSynthesisEnvironment } from "./synth.js";

const [name, dir] = process.argv.slice(2) as [SharedSynthesisName, string];
const files = sharedSynthesisFiles(dir, name);
const started = Date.now();
try {
  const spec: SharedSynthesis | undefined = SHARED_SYNTHESES[name];
  if (!spec) throw new Error(`No shared synthesis named ${name}`);
  await synthesize({ stage: spec.stage, outdir: files.outdir, nag: spec.nag ?? true, env: testSynthesisEnvironment(), ...(spec.mode ? { mode: spec.mode } : {}) });
  fs.writeFileSync(files.done, JSON.stringify({ ms: Date.now() - started }));
  process.stderr.write(`shared synthesis ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
} catch (error) {
  fs.writeFileSync(files.failed, error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
}
