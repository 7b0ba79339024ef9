import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const VOS_BIN = fileURLToPath(new URL("../../bin/vos.js", import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `vos` as a user would (its bin script) in its own process. */
export function spawnVos(args: string[], env: Record<string, string>, cwd?: string): ChildProcess {
  return spawn(process.execPath, [VOS_BIN, ...args], {
    cwd,
    env: { ...process.env, VOS_LOG_LEVEL: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export function runVos(args: string[], env: Record<string, string>, options: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnVos(args, env, options.cwd);
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
