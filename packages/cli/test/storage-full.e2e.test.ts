/**
 * The hostile-input catalogue, a full disk. The data folder sits on a small tmpfs (or, where this
 * machine refuses to mount one, behind ENOSPC injected at the `fs` boundary: the log says which):
 *
 *   start-up, a data path under a file           -> exit 1, error [data.unwritable] with the path and ENOTDIR
 *   start-up, a 20 MB disk (the database needs more) -> exit 1, error [storage.full] with the path
 *   POST /videos on a full disk                  -> 507 storage.full
 *   PUT  /videos/{id}/upload on a full disk      -> 507 storage.full, no partial file
 *   a thumbnail write on a full disk             -> storage.full (507)
 *   vos ingest on a full disk                    -> failed with error.code storage.full (no bare videoId: null)
 *   a job meeting the full disk                  -> waits, attempts not spent; ready once space is freed
 *
 * and nothing was lost: every video registered before is there, the upload byte for byte.
 */
import { readFile, readdir, rm, writeFile } from "node:fs/promises";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Job, loadConfig, Video, type Logger } from "@vos/core";
import { startWorkerPool } from "@vos/core/pipeline";
import { startEmbeddedRuntime, type EmbeddedRuntime } from "@vos/core/runtime/embedded";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testModelDir } from "../../core/test/support/test-model.js";
import { syntheticVideo } from "../../core/test/support/videos.js";
import { localApi } from "../src/local-api.js";
import { jsonOf, runVos } from "./support/cli.js";
import { smallDisk, type FullDisk } from "../../core/test/support/full-disk.js";
import { serveApi, type ServedApi } from "./support/served-api.js";

const PRELOAD = new URL("../../core/test/support/full-disk-preload.ts", import.meta.url).pathname;
const root = mkdtempSync(path.join(tmpdir(), "vos-full-"));
let baseEnv: Record<string, string>;

beforeAll(async () => {
  baseEnv = { VOS_CLIP_MODEL: await testModelDir(), VOS_DETECTOR: "off", VOS_SAMPLE_FPS: "2", VOS_SCENE_THRESHOLD: "0", VOS_DEDUP: "false" };
});
afterAll(async () => rm(root, { recursive: true, force: true }));

/** Runs `vos` on a data folder of a full disk: the tmpfs itself, or with the injection preloaded. */
async function vosOn(disk: FullDisk, args: string[], env: Record<string, string>) {
  if (disk.mode === "tmpfs") return runVos(args, env);
  const injected = { ...env, VOS_TEST_FULL_DISK: disk.dir, NODE_OPTIONS: `--import tsx/esm --import ${PRELOAD}` };
  return runVos(args, injected);
}

describe("start-up explains a data folder it cannot use", () => {
  it("names the path and the OS reason when the folder cannot be created", async () => {
    const file = path.join(root, "a-file");
    await writeFile(file, "not a folder");
    const result = await runVos(["videos"], { ...baseEnv, VOS_DATA_DIR: path.join(file, "data") });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error [data.unwritable]: The data folder ${path.join(file, "data")} cannot be created`);
    expect(result.stderr).toContain("(ENOTDIR)");
    expect(result.stderr).toContain("VOS_DATA_DIR");
    expect(result.stderr).not.toContain("[object Object]");
  });

  it("says the disk is full, where, when the database does not fit", async () => {
    const disk = await smallDisk(path.join(root, "tiny"), 20);
    try {
      if (disk.mode === "injected") await disk.fill();
      console.info(`full disk at start-up: ${disk.mode}`);
      const dataDir = path.join(disk.dir, "data");
      const result = await vosOn(disk, ["videos"], { ...baseEnv, VOS_DATA_DIR: dataDir });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error \[storage\.full\]: No space is left on the disk holding \S+/m);
      expect(result.stderr).toContain(dataDir);
      expect(result.stderr).toContain("vos delete");
      expect(result.stderr).not.toContain("[object Object]");
    } finally {
      await disk.close();
    }
  });
});

describe("a disk that fills while serving", () => {
  let disk: FullDisk;
  let runtime: EmbeddedRuntime;
  let app: ReturnType<typeof localApi>;
  let served: ServedApi;
  const warnings: { msg: string; fields: Record<string, unknown> }[] = [];

  /** A logger that keeps warnings (the job's waits) for the test to read. */
  const capture = (fields: Record<string, unknown> = {}): Logger => ({
    debug() {},
    info() {},
    warn: (msg, more) => void warnings.push({ msg, fields: { ...fields, ...more } }),
    error: (msg, more) => void warnings.push({ msg, fields: { ...fields, ...more } }),
    child: (more) => capture({ ...fields, ...more }),
  });

  beforeAll(async () => {
    disk = await smallDisk(path.join(root, "disk"), 96);
    console.info(`full disk while serving: ${disk.mode}`);
    const config = loadConfig({ ...baseEnv, VOS_DATA_DIR: path.join(disk.dir, "data"), VOS_LOG_LEVEL: "warn" });
    runtime = await startEmbeddedRuntime(config, { workers: false, log: capture() });
    app = localApi(runtime, { inProcess: true });
    served = await serveApi(app);
  });
  afterAll(async () => {
    await served?.close();
    await runtime?.close();
    await disk?.close();
  });

  const call = async (method: string, url: string, body?: RequestInit["body"], headers: Record<string, string> = {}) => {
    const response = await app.fetch(new Request(`http://vos${url}`, { method, headers, ...(body ? { body } : {}) }));
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const register = (file: string, size: number) =>
    call("POST", "/api/videos", JSON.stringify({ filename: path.basename(file), sizeBytes: size, contentType: "video/mp4" }), { "content-type": "application/json" });
  const upload = (id: string, bytes: Buffer) => call("PUT", `/api/videos/${id}/upload`, new Uint8Array(bytes), { "content-type": "video/mp4" });
  const partials = async () =>
    (await readdir(path.join(disk.dir, "data", "blobs"), { recursive: true }).catch(() => [] as string[])).filter((name) => name.endsWith(".partial"));

  it("answers 507 storage.full for writes, keeps its jobs' attempts, and finishes once space is freed", async () => {
    const file = await syntheticVideo({ seconds: 4, width: 160, height: 120, fps: 10 });
    const bytes = await readFile(file);

    // Before the disk fills: one video registered and uploaded (its job queued), one registered only.
    const first = await register(file, bytes.length);
    expect(first.status).toBe(201);
    expect((await upload(first.body.video.id, bytes)).status).toBe(200);
    expect((await call("POST", `/api/videos/${first.body.video.id}/complete`)).status).toBeLessThan(300);
    const second = await register(file, bytes.length);
    expect(second.status).toBe(201);
    const registered = [first.body.video.id as string, second.body.video.id as string];

    await disk.fill();

    // The upload of the second: 507 in words, and no partial file left behind.
    const refused = await upload(second.body.video.id, bytes);
    expect(refused).toMatchObject({ status: 507, body: { code: "storage.full" } });
    expect(refused.body.message).toContain(path.join(disk.dir, "data"));
    expect(await partials()).toEqual([]);

    // A thumbnail write: the same error from the blob store itself.
    const thumbnail = runtime.services.blobs.put(`local/videos/${first.body.video.id}/frames/x.jpg`, new Uint8Array(64 * 1024));
    await expect(thumbnail).rejects.toMatchObject({ code: "storage.full", status: 507 });

    // Registrations until one needs a new database page (at once on an empty table): 507, never 500.
    let answer = await register(file, bytes.length);
    for (let i = 0; i < 40 && answer.status === 201; i++) answer = await register(file, bytes.length);
    expect(answer).toMatchObject({ status: 507, body: { code: "storage.full" } });
    for (const id of [...registered]) expect((await call("GET", `/api/videos/${id}`)).status).toBe(200);

    // The CLI against the full server: the failure with its code, not a bare videoId: null.
    const cli = await runVos(["ingest", file, "--json"], { VOS_API_URL: served.url });
    expect(cli.code).toBe(1);
    const [result] = jsonOf<{ videoId: string | null; status: string; error?: { code: string; message: string } }[]>(cli);
    expect(result).toMatchObject({ status: "failed", error: { code: "storage.full" } });
    expect(result!.error!.message).toContain("Free space there");

    // The queued job meets the full disk: it waits without spending attempts...
    const pool = startWorkerPool(runtime.services, { concurrency: 1, pollMs: 100 });
    try {
      const jobId = (await Job.latestForVideos(runtime.services.db, [first.body.video.id])).get(first.body.video.id)!.id;
      await until(() => warnings.some((w) => w.msg.startsWith("disk full: waiting for space") && w.fields.jobId === jobId && w.fields.waits === 2), 30_000, () => warnings);
      const waiting = await Job.get(runtime.services.db, jobId);
      expect(waiting).toMatchObject({ status: "running", attempts: 1 });
      expect(String(warnings.find((w) => w.fields.jobId === jobId)!.fields.error)).toContain("No space is left");

      // ...and finishes once space is freed, on its first attempt.
      await disk.free();
      await until(async () => (await Job.get(runtime.services.db, jobId))!.status === "succeeded", 30_000, () => warnings);
      expect(await Job.get(runtime.services.db, jobId)).toMatchObject({ status: "succeeded", attempts: 1, lastError: null });
    } finally {
      await pool.stop();
    }

    // Nothing was lost: the videos registered before are there, the upload byte for byte, and
    // the refused upload goes through now.
    const ready = await call("GET", `/api/videos/${first.body.video.id}`);
    expect(ready.body).toMatchObject({ status: "ready" });
    expect(ready.body.frameCount).toBeGreaterThan(0);
    const video = (await Video.find(runtime.services, first.body.video.id))!;
    expect(Buffer.compare(await readFile(await runtime.services.blobs.source(video.blobKey)), bytes)).toBe(0);
    expect((await upload(second.body.video.id, bytes)).status).toBe(200);
    expect(await partials()).toEqual([]);
  });
});

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, context: () => unknown = () => ""): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${JSON.stringify(context())}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
