/** Child processes the rehearsal runs to their end (the CLI, ffmpeg, the model bake). */
import { spawn } from "node:child_process";
import path from "node:path";

/** Runs a command to its end; rejects with its output when it fails. Returns stdout. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: [options.input !== undefined ? "pipe" : "ignore", "pipe", "pipe"] });
    if (options.input !== undefined) child.stdin!.end(options.input);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${path.basename(command)} ${args.slice(0, 3).join(" ")} exited ${code}: ${(stderr || stdout).trim().split("\n").slice(-5).join(" | ")}`))));
  });
}
