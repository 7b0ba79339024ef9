import { spawn, type ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const VOS_BIN = fileURLToPath(new URL("../../bin/vos.js", import.meta.url));
/** Where `vos` keeps sign-ins and resume records in tests that name no folder: never the user's home. */
const TEST_CONFIG_DIR = path.join(tmpdir(), `vos-cli-config-${process.pid}`);

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `vos` as a user would (its bin script) in its own process. */
export function spawnVos(args: string[], env: Record<string, string>, cwd?: string, options: { stdin?: boolean } = {}): ChildProcess {
  return spawn(process.execPath, [VOS_BIN, ...args], {
    cwd,
    env: { ...process.env, VOS_LOG_LEVEL: "", VOS_CONFIG_DIR: TEST_CONFIG_DIR, ...env },
    stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe"],
  });
}

/** Runs `vos` to its end; `input` is written to its stdin (a pipe, as in a script), then closed. */
export function runVos(args: string[], env: Record<string, string>, options: { cwd?: string; timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnVos(args, env, options.cwd, { stdin: options.input !== undefined });
    if (options.input !== undefined) child.stdin!.end(options.input);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`vos ${args.join(" ")} timed out\n${stderr}`));
    }, options.timeoutMs ?? 90_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Parses stdout as JSON, with the whole output in the message when it is not. */
export function jsonOf<T>(result: RunResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}
