/**
 * `vos serve` (what `npm start` runs) in its own process on a free port, as a user starts it:
 * the CLI's bin script, the embedded runtime, its worker pool and the API in that one process,
 * so its /proc entry is the whole server's memory (worker threads included).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";

export interface VosServer {
  url: string;
  pid: number;
  /** Resident and peak resident memory (bytes) of the server process now. */
  memory(): Promise<{ rss: number; peak: number }>;
  /** The server's stderr and stdout so far (its last 20,000 characters). */
  log(): string;
  /** SIGTERM, then the exit code (SIGKILL after 20 s). */
  stop(): Promise<number | null>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once("error", reject);
  });

/** VmRSS and VmHWM of a process, from /proc (Linux). */
export async function processMemory(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

/** Starts the server with `env` over the bench's own environment and waits for /api/health. */
export async function startVosServer(repoRoot: string, env: Record<string, string>): Promise<VosServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [path.join(repoRoot, "packages/cli/bin/vos.js"), "serve"], {
    cwd: repoRoot,
    env: { ...process.env, VOS_LOG_LEVEL: "warn", ...env, PORT: String(port), VOS_HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const server: VosServer = {
    url,
    pid: child.pid!,
    memory: () => processMemory(child.pid!),
    log: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`vos serve exited with ${child.exitCode}:\n${output}`);
    if (await fetch(`${url}/api/health`).then((r) => r.ok, () => false)) return server;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await server.stop();
  throw new Error(`vos serve did not answer /api/health within 120 s:\n${output}`);
}
