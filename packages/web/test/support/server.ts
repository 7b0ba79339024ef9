/**
 * A real `vos serve` for the web tests: its bin script in a child process, on a free port, with a
 * temp data folder and the generated test CLIP model. Also builds the web app when the build is
 * missing or older than its sources.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { get } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO_ROOT, testFixtures } from "./fixtures";

export { REPO_ROOT } from "./fixtures";
export const WEB_ROOT = path.join(REPO_ROOT, "packages/web");
export const VOS_BIN = path.join(REPO_ROOT, "packages/cli/bin/vos.js");
export const WEB_DIST = path.join(WEB_ROOT, "dist");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** GET with Node's own http client: the test's global fetch may be a DOM one with CORS rules. */
function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get(url, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on("error", () => resolve(false));
    request.setTimeout(2000, () => request.destroy());
  });
}

export interface RunningServer {
  url: string;
  dataDir: string;
  /** Everything the server wrote to stderr so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts `vos serve` and waits until /api/health answers; on a data folder of its own unless given
 * one, on a free port unless given one (a server started again where the page knows it). Stopping
 * removes the data folder unless `keep` (another server opens it next).
 */
export async function startServer(env: Record<string, string> = {}, options: { dataDir?: string; keep?: boolean; port?: number } = {}): Promise<RunningServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), "vos-web-")));
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [VOS_BIN, "serve"], {
    cwd: REPO_ROOT,
    env: { ...process.env, VOS_LOG_LEVEL: "warn", VOS_DATA_DIR: dataDir, VOS_CLIP_MODEL: (await testFixtures()).modelDir, PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (chunk) => (log += chunk));
  child.stderr!.on("data", (chunk) => (log += chunk));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (!options.keep) await rm(dataDir, { recursive: true, force: true });
  };
  // Start-up loads the database and the model: allow for a busy machine.
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (await healthy(`${url}/api/health`)) return { url, dataDir, log: () => log, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`vos serve did not start:\n${log}`);
}

async function newestMtime(paths: string[]): Promise<number> {
  let newest = 0;
  for (const entry of paths) {
    const info = await stat(entry).catch(() => undefined);
    if (!info) continue;
    if (info.isDirectory()) {
      const children = await readdir(entry);
      newest = Math.max(newest, await newestMtime(children.map((child) => path.join(entry, child))));
    } else {
      newest = Math.max(newest, info.mtimeMs);
    }
  }
  return newest;
}

/** Runs `vite build` unless dist/index.html is newer than every source of the app. */
export async function ensureWebBuild(): Promise<"built" | "fresh"> {
  const built = (await stat(path.join(WEB_DIST, "index.html")).catch(() => undefined))?.mtimeMs ?? 0;
  const sources = await newestMtime(["src", "public", "index.html", "vite.config.ts", "package.json"].map((p) => path.join(WEB_ROOT, p)));
  if (built > sources) return "fresh";
  const vite = path.join(REPO_ROOT, "node_modules/vite/bin/vite.js");
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, "build", "--logLevel", "warn"], { cwd: WEB_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`vite build failed (${code}):\n${output}`))));
  });
  return "built";
}

/** `vos ingest <file> --wait --json` against a running server, as a user would: the video's id once it is ready. */
export function ingestWithCli(serverUrl: string, file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [VOS_BIN, "ingest", file, "--wait", "--json"],
      { cwd: REPO_ROOT, env: { ...process.env, VOS_API_URL: serverUrl, VOS_LOG_LEVEL: "warn" }, timeout: 180_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`vos ingest failed: ${error.message}\n${stderr}`));
        const [result] = JSON.parse(stdout) as { videoId: string; status: string }[];
        if (result?.status !== "ready") return reject(new Error(`vos ingest did not finish: ${stdout}`));
        resolve(result.videoId);
      },
    );
  });
}
