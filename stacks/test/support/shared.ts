import fs from "node:fs";
import { CloudAssembly } from "aws-cdk-lib/cx-api";
import { inject } from "vitest";
import { SHARED_SYNTHESES, sharedSynthesisFiles, type SharedSynthesis, type SharedSynthesisName } from "./syntheses.js";
import { appOf, synthesizeForTest, type SynthesizedApp } from "./synth.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where the global setup writes the shared syntheses: `<name>/` (the assembly), `<name>.done` or `<name>.failed`, `<name>.log`. */
    sharedSynthesisDir: string;
  }
}

const POLL_MS = 250;

/**
 * The app synthesized for `name`, shared with the run's other test files (call it in beforeAll,
 * with a timeout long enough for a synthesis). Outside the stacks project (no global setup ran)
 * it synthesizes its own copy.
 */
export async function sharedSynthesis(name: SharedSynthesisName, timeoutMs = 280_000): Promise<SynthesizedApp> {
  const spec: SharedSynthesis = SHARED_SYNTHESES[name];
  const dir = inject("sharedSynthesisDir");
  if (!dir) return synthesizeForTest(spec.stage, spec);
  const files = sharedSynthesisFiles(dir, name);
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(files.done)) {
    if (fs.existsSync(files.failed)) {
      throw new Error(`The shared synthesis "${name}" failed:\n${fs.readFileSync(files.failed, "utf8")}\n--- ${files.log} (tail):\n${tail(files.log)}`);
    }
    if (Date.now() > deadline) throw new Error(`The shared synthesis "${name}" did not finish in ${timeoutMs / 1000} s; its log (tail):\n${tail(files.log)}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  // The global teardown removes the folder once every file is done with it.
  return appOf(spec.stage, files.outdir, new CloudAssembly(files.outdir), () => {});
}

function tail(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").slice(-4000) : "(no log)";
}
