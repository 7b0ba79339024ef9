/**
 * Global setup of the stacks project: starts every shared synthesis (./shared.ts) in its own
 * background process, so the test files wait only for the apps they read while other files run,
 * and each stage is synthesized once per run instead of once per file. Teardown stops any still
 * running and removes the folder.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { ROOT } from "../../synthesize.js";
import { SHARED_SYNTHESES, sharedSynthesisFiles } from "./syntheses.js";

const SCRIPT = fileURLToPath(new URL("./synthesize-shared.ts", import.meta.url));

export default function setup(project: TestProject) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vos-stacks-shared-"));
  project.provide("sharedSynthesisDir", dir);
  const children: ChildProcess[] = Object.keys(SHARED_SYNTHESES).map((name) => {
    const files = sharedSynthesisFiles(dir, name);
    const log = fs.openSync(files.log, "w");
    const child = spawn(process.execPath, ["--import", "tsx", SCRIPT, name, dir], { cwd: ROOT, stdio: ["ignore", log, log] });
    fs.closeSync(log);
    // A process that dies before it can say so (it could not load, it was killed) fails its waiters too.
    const failed = (why: string) => {
      if (!fs.existsSync(files.done) && !fs.existsSync(files.failed)) fs.writeFileSync(files.failed, why);
    };
    child.on("error", (error) => failed(`could not start: ${error.message}`));
    child.on("exit", (code, signal) => failed(`exited with ${signal ?? `code ${code}`}`));
    return child;
  });
  return async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }),
    );
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
