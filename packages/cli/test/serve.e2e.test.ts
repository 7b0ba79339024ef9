import { createServer } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testModelDir } from "../../core/test/support/test-model.js";
import { colourVideo } from "../../core/test/support/videos.js";
import { jsonOf, runVos, spawnVos } from "./support/cli.js";

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

let dataDir: string;
let env: Record<string, string>;
let server: ChildProcess;
let url: string;
let serverLog = "";

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "vos-serve-"));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  env = { VOS_DATA_DIR: dataDir, VOS_CLIP_MODEL: await testModelDir(), PORT: String(port) };
  server = spawnVos(["serve"], env);
  server.stderr!.on("data", (chunk) => (serverLog += chunk));
  for (let i = 0; i < 150; i++) {
    const ok = await fetch(`${url}/api/health`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`vos serve did not answer:\n${serverLog}`);
});
afterAll(async () => {
  if (server.exitCode === null) server.kill("SIGKILL");
  await rm(dataDir, { recursive: true, force: true });
});

describe("vos serve", () => {
  it("answers health and lists the configured model", async () => {
    const health = (await (await fetch(`${url}/api/health`)).json()) as { status: string; model: string };
    expect(health).toEqual({ status: "ok", database: "ok", model: env.VOS_CLIP_MODEL });
  });

  it("refuses a second process on its data folder with a clear error", async () => {
    const second = await runVos(["videos"], env);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain("[data.locked]");
    expect(second.stderr).toContain("VOS_API_URL");
  });

  it("serves the CLI when VOS_API_URL points at it: ingest, progress, search, thumbnails", async () => {
    const remote = { VOS_API_URL: url };
    const ingest = await runVos(["ingest", await colourVideo(), "--wait", "--json"], remote);
    expect(ingest.code, ingest.stderr).toBe(0);
    const [result] = jsonOf<{ videoId: string; status: string; frames: number }[]>(ingest);
    expect(result).toMatchObject({ status: "ready" });
    expect(result!.frames).toBeGreaterThan(3);
    const [hit] = jsonOf<{ start: number; end: number; thumbnailUrl: string }[]>(await runVos(["search", "a red image", "--json"], remote));
    expect(hit!.start).toBeGreaterThanOrEqual(0);
    expect(hit!.end).toBeLessThanOrEqual(5);
    expect(hit!.thumbnailUrl.startsWith(`${url}/api/files/`)).toBe(true);
    const thumbnail = await fetch(hit!.thumbnailUrl);
    expect(thumbnail.headers.get("content-type")).toBe("image/jpeg");
    const jpeg = Buffer.from(await thumbnail.arrayBuffer());
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it("stops cleanly on SIGTERM and frees the data folder", async () => {
    const exited = new Promise<number | null>((resolve) => server.once("exit", resolve));
    server.kill("SIGTERM");
    expect(await exited).toBe(0);
    const after = await runVos(["videos", "--json"], env);
    expect(after.code, after.stderr).toBe(0);
    expect(jsonOf<unknown[]>(after)).toHaveLength(1);
  });
});
