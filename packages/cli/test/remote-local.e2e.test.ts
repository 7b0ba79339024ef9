/**
 * The real `vos` process against a served local API (VOS_API_URL, as with `vos serve`): folders
 * walked for videos, `--concurrency` observed at the server, chunked uploads with Content-Range
 * and their resume after a kill, picture queries shrunk before they are sent, and the bad inputs
 * at these boundaries, each with its own code and nothing sent or stored.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig, Video } from "@vos/core";
import { startEmbeddedRuntime, type EmbeddedRuntime } from "@vos/core/runtime/embedded";
import { createApi } from "@vos/functions/api/app";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localApi } from "../src/local-api.js";
import { testModelDir } from "../../core/test/support/test-model.js";
import { jsonOf, runVos, spawnVos } from "./support/cli.js";
import { sha256Of } from "./support/padded-video.js";
import { serveApi, type ServedApi } from "./support/served-api.js";

interface Result {
  videoId: string | null;
  status: string;
  file: string;
  error?: { code: string; message: string };
}

const CHUNK = 8 * 1024 * 1024; // the local runtime's chunk size (LOCAL_CHUNK_BYTES)
let dir: string;
let runtime: EmbeddedRuntime;
let api: ServedApi;
let cli: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vos-remote-local-"));
  const config = loadConfig({ VOS_DATA_DIR: path.join(dir, "data"), VOS_CLIP_MODEL: await testModelDir(), VOS_DETECTOR: "off", VOS_LOG_LEVEL: "silent" });
  runtime = await startEmbeddedRuntime(config, { workers: false });
  api = await serveApi(localApi(runtime));
  cli = { VOS_API_URL: api.url, VOS_CONFIG_DIR: path.join(dir, "config") };
}, 60_000);
afterAll(async () => {
  await api?.close();
  await runtime?.close();
  await rm(dir, { recursive: true, force: true });
});

async function file(relative: string, bytes: number): Promise<{ file: string; sha256: string }> {
  const full = path.join(dir, relative);
  await mkdir(path.dirname(full), { recursive: true });
  const content = randomBytes(bytes);
  await writeFile(full, content);
  return { file: full, sha256: createHash("sha256").update(content).digest("hex") };
}
const storedHash = async (videoId: string, name: string) => sha256Of(await runtime.services.blobs.get(Video.sourceKey("local", videoId, name)));
const records = async () => (await readdir(path.join(cli.VOS_CONFIG_DIR!, "uploads")).catch(() => [] as string[])).filter((n) => n.endsWith(".json"));
const uploadPuts = (id: string, from = 0) => api.requests.slice(from).filter((r) => r === `PUT /api/videos/${id}/upload`).length;

describe("vos ingest of folders through a served local API", () => {
  it("walks nested folders for videos, skips hidden and other files, and keeps --concurrency uploads in flight", async () => {
    const root = "library";
    const big = await file(`${root}/sub/deeper/big.mp4`, 20 * 1000 * 1000);
    const small = ["a.mp4", "other/d.webm", "sub/b.mov", "sub/deeper/c.mkv"];
    for (const name of small) await file(`${root}/${name}`, 50_000);
    for (const skipped of [".hidden.mp4", ".cache/e.mp4", "notes.txt", "sub/still.png", "sub/sound.wav"]) await file(`${root}/${skipped}`, 1000);

    // Each upload request waits a while at the server, so requests that may overlap do.
    api.hold(/^PUT .*\/upload$/, 300);
    const run = await runVos(["ingest", path.join(dir, root), "--concurrency", "2", "--json"], cli);
    api.hold(undefined);
    expect(run.code, run.stderr).toBe(0);
    const results = jsonOf<Result[]>(run);
    expect(results.map((r) => path.relative(path.join(dir, root), r.file))).toEqual(["a.mp4", "other/d.webm", "sub/b.mov", "sub/deeper/big.mp4", "sub/deeper/c.mkv"]);
    expect(results.every((r) => r.status === "queued" && r.videoId)).toBe(true);
    expect(api.maxUploadsInFlight).toBe(2);

    // The 20 MB file went in three chunks with Content-Range and arrived intact.
    const bigId = results.find((r) => r.file.endsWith("big.mp4"))!.videoId!;
    expect(uploadPuts(bigId)).toBe(Math.ceil(20e6 / CHUNK));
    expect(await storedHash(bigId, "big.mp4")).toBe(big.sha256);
    expect(await records()).toEqual([]);
  }, 120_000);

  it("resumes a killed chunked upload from the bytes the API holds", async () => {
    const video = await file("resume/long.mp4", 30 * 1000 * 1000);
    api.hold(/^PUT .*\/upload$/, 250);
    const child = spawnVos(["ingest", video.file, "--json"], cli);
    const exited = new Promise((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
    let id: string | undefined;
    for (const deadline = Date.now() + 60_000; ; ) {
      const [name] = await records();
      if (name) id ??= (JSON.parse(await readFile(path.join(cli.VOS_CONFIG_DIR!, "uploads", name), "utf8")) as { videoId: string }).videoId;
      if (id && (await Video.received(runtime.services, "local", id)).received >= 2 * CHUNK) break;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error("vos ingest ended before two chunks arrived");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    api.hold(undefined);
    const { received } = await Video.received(runtime.services, "local", id!);
    expect(received).toBeGreaterThanOrEqual(2 * CHUNK);
    expect(received).toBeLessThan(30e6);

    const from = api.requests.length;
    const run = await runVos(["ingest", video.file, "--json"], cli);
    expect(run.code, run.stderr).toBe(0);
    expect(jsonOf<Result[]>(run)[0]).toMatchObject({ videoId: id, status: "queued" });
    expect(run.stderr).toContain(`resuming ${id} (${received} of 30000000 bytes stored)`);
    // Only the rest was sent, chunk by chunk, and the file is whole.
    expect(api.requests.slice(from)).toContain(`GET /api/videos/${id}/upload`);
    expect(uploadPuts(id!, from)).toBe(Math.ceil((30e6 - received) / CHUNK));
    expect(await storedHash(id!, "long.mp4")).toBe(video.sha256);
    expect(await records()).toEqual([]);
  }, 120_000);
});

describe("vos search --image through a served API", () => {
  it("sends a 12-megapixel photo as a small upright JPEG, and the search answers", async () => {
    const width = 4000;
    const height = 3000;
    const photo = path.join(dir, "photo.jpg");
    // Noise compresses badly: a worst case for size. EXIF orientation 6 means "turn 90 degrees".
    await sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 90 })
      .withMetadata({ orientation: 6 })
      .toFile(photo);
    expect((await stat(photo)).size).toBeGreaterThan(5_000_000);

    let captured: Promise<{ bytes: number; image: Buffer }> | undefined;
    api.onRequest = (request) => {
      if (!request.url.endsWith("/api/search/image")) return;
      captured = (async () => {
        const raw = await request.clone().arrayBuffer();
        const form = await new Response(raw, { headers: { "content-type": request.headers.get("content-type")! } }).formData();
        return { bytes: raw.byteLength, image: Buffer.from(await (form.get("image") as Blob).arrayBuffer()) };
      })();
    };
    const run = await runVos(["search", "--image", photo, "--json"], cli);
    api.onRequest = undefined;
    expect(run.code, run.stderr).toBe(0);
    expect(Array.isArray(jsonOf<unknown[]>(run))).toBe(true);
    expect(captured).toBeDefined();
    const sent = await captured!;
    expect(sent.bytes).toBeGreaterThan(10_000);
    expect(sent.bytes).toBeLessThan(1_000_000);
    const shown = await sharp(sent.image).metadata();
    // Turned upright (portrait) and shrunk to 1024 px on its longest side.
    expect({ format: shown.format, width: shown.width, height: shown.height }).toEqual({ format: "jpeg", width: 768, height: 1024 });
    expect(shown.orientation ?? 1).toBe(1);
  }, 60_000);
});

describe("bad inputs at the CLI's new boundaries", () => {
  const noRequests = async (args: string[], extra: Record<string, string> = {}, input?: string) => {
    const from = api.requests.length;
    const run = await runVos(args, { ...cli, ...extra }, input === undefined ? {} : { input });
    return { run, requests: api.requests.slice(from) };
  };

  it("answers an unknown folder and a folder without videos each with its own code, and still sends the good file (twice when named twice)", async () => {
    const empty = path.join(dir, "no-videos");
    await mkdir(path.join(empty, ".hidden"), { recursive: true });
    await writeFile(path.join(empty, "notes.txt"), "no video here");
    await writeFile(path.join(empty, ".hidden", "x.mp4"), "hidden");
    const good = await file("good/one.mp4", 2000);
    const { run, requests } = await noRequests(["ingest", path.join(dir, "nowhere"), empty, good.file, good.file, "--json"]);
    expect(run.code).toBe(1);
    const results = jsonOf<Result[]>(run);
    expect(results.map((r) => [r.status, r.error?.code ?? null])).toEqual([
      ["failed", "cli.file_not_found"],
      ["failed", "cli.no_videos"],
      ["queued", null],
      ["queued", null],
    ]);
    expect(results[1]!.error!.message).toContain(empty);
    // Only the good file was registered: twice, as it was named twice.
    expect(requests.filter((r) => r === "POST /api/videos")).toHaveLength(2);
    expect(results[2]!.videoId).not.toBe(results[3]!.videoId);
    expect(await records()).toEqual([]);
  });

  it.each(["0", "33", "two"])("refuses --concurrency %s before anything is sent", async (value) => {
    const good = await file(`concurrency-${value}/one.mp4`, 2000);
    const { run, requests } = await noRequests(["ingest", good.file, "--concurrency", value]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`option '--concurrency <n>' argument '${value}' is invalid. expected a whole number from 1 to 32`);
    expect(requests).toEqual([]);
  });

  it("refuses an unreadable or missing picture before any request", async () => {
    const notImage = path.join(dir, "note.jpg");
    await writeFile(notImage, "not a picture");
    const unreadable = await noRequests(["search", "--image", notImage]);
    expect(unreadable.run.code).toBe(1);
    expect(unreadable.run.stderr).toMatch(/error \[image\.invalid\]: .*note\.jpg is not a picture vos can read/);
    expect(unreadable.requests).toEqual([]);
    const missing = await noRequests(["search", "--image", path.join(dir, "absent.png")]);
    expect(missing.run.stderr).toContain("error [cli.file_not_found]: No such file:");
    expect(missing.requests).toEqual([]);
  });

  it("refuses vos login where there is nothing to sign in to, and stores nothing", async () => {
    const none = await noRequests(["login", "--email", "a@example.com", "--password-stdin"], {}, "secret\n");
    expect(none.run.code).toBe(1);
    expect(none.run.stderr).toContain(`error [auth.no_sign_in]: The API at ${api.url}/ does not sign people in`);
    expect(none.requests).toEqual(["GET /api/auth"]);

    const tokenApi = await serveApi(createApi({ services: runtime.services, tenantOf: () => "local", apiToken: "a-token-0123456789abcdef" }));
    try {
      const token = await runVos(["login", "--email", "a@example.com", "--password-stdin"], { ...cli, VOS_API_URL: tokenApi.url }, { input: "secret\n" });
      expect(token.code).toBe(1);
      expect(token.stderr).toContain("error [auth.token_only]:");
      expect(token.stderr).toContain("VOS_API_TOKEN");
    } finally {
      await tokenApi.close();
    }

    const local = await runVos(["login"], { VOS_CONFIG_DIR: cli.VOS_CONFIG_DIR!, VOS_API_URL: "" });
    expect(local.code).toBe(1);
    expect(local.stderr).toContain("error [auth.no_api]: Sign-in is for a server: set VOS_API_URL");
    const badUrl = await runVos(["logout"], { VOS_CONFIG_DIR: cli.VOS_CONFIG_DIR!, VOS_API_URL: "not a url" });
    expect(badUrl.stderr).toContain("error [cli.bad_api_url]:");
    await expect(readdir(path.join(cli.VOS_CONFIG_DIR!, "credentials"))).rejects.toThrow();
  });

  it("re-issues a local upload's target only while it is still being sent", async () => {
    const post = (p: string, body?: unknown) =>
      fetch(`${api.url}${p}`, { method: "POST", ...(body ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}) });
    const answer = async (response: Response) => ({ status: response.status, ...((await response.json()) as object) });
    const created = (await (await post("/api/videos", { filename: "r.mp4", sizeBytes: 4, contentType: "video/mp4" })).json()) as { video: { id: string } };
    const id = created.video.id;
    expect(await answer(await post(`/api/videos/${id}/upload/parts`))).toEqual({
      status: 200,
      upload: { kind: "put", method: "PUT", url: `/api/videos/${id}/upload`, headers: { "content-type": "video/mp4" }, chunkBytes: CHUNK },
    });
    // The whole file arrived but was not completed: only completing is left.
    expect((await fetch(`${api.url}/api/videos/${id}/upload`, { method: "PUT", headers: { "content-type": "video/mp4" }, body: "abcd" })).status).toBe(200);
    expect(await answer(await post(`/api/videos/${id}/upload/parts`))).toMatchObject({ status: 409, code: "upload.stored" });
    expect((await post(`/api/videos/${id}/complete`)).status).toBe(202);
    expect(await answer(await post(`/api/videos/${id}/upload/parts`))).toMatchObject({ status: 409, code: "video.invalid_state" });
    expect(await answer(await post("/api/videos/vid_missing/upload/parts"))).toMatchObject({ status: 404, code: "video.not_found" });
  });
});
