/**
 * `vos reindex` as a person runs it: a library indexed with model A (16 dimensions) moved to model
 * B (24) named by folder, the process killed part-way and the command run again, which resumes it.
 * Afterwards every video lists B, searches reach every video whatever VOS_CLIP_MODEL says (the
 * library's model is loaded from where it was recorded), a model a server was never configured
 * with is refused by name, and a configured model that cannot load is reported, not thrown.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { SearchHit } from "@vos/contract";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { testModelDir, wideTestModelDir } from "../../core/test/support/test-model.js";
import { colourVideo, syntheticVideo } from "../../core/test/support/videos.js";
import { createClient } from "../src/client.js";
import { reindex } from "../src/commands/reindex.js";
import { jsonOf, runVos, spawnVos } from "./support/cli.js";

let scratch: string;
let env: Record<string, string>;
let modelB: string;
const videoIds: string[] = [];

type Row = { videoId: string; status: string; frames: number; objects: number };

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "vos-reindex-cli-"));
  modelB = await wideTestModelDir();
  // Many small batches, so that a kill lands part-way through the long video's job.
  env = { VOS_DATA_DIR: path.join(scratch, "data"), VOS_CLIP_MODEL: await testModelDir(), VOS_DETECTOR: "off", VOS_DEDUP: "false", VOS_SAMPLE_FPS: "4", VOS_EMBED_BATCH: "1" };
  const ingest = await runVos(["ingest", await colourVideo(), await syntheticVideo({ seconds: 40, width: 320, height: 240, fps: 10 }), "--wait", "--json"], env, { timeoutMs: 180_000 });
  expect(ingest.code, ingest.stderr).toBe(0);
  videoIds.push(...jsonOf<{ videoId: string; status: string }[]>(ingest).map((video) => video.videoId));
}, 240_000);
afterAll(async () => rm(scratch, { recursive: true, force: true }));

describe("vos reindex", () => {
  it("resumes after a kill and prints each video's result as JSON; the library then uses the new model", async () => {
    const child = spawnVos(["reindex", "--model", modelB, "--wait"], env);
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    // Killed once the first video is done: the long one is part-way.
    const deadline = Date.now() + 120_000;
    while (!/1 of 2 video\(s\) done/.test(stderr) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(stderr).toMatch(/Re-indexing from clip-colours-v2 to clip-colours-v2-24d-256: 1 of 2 video\(s\) done/);
    child.kill("SIGKILL");
    await exited;

    const again = await runVos(["reindex", "--model", modelB, "--wait", "--json"], env, { timeoutMs: 180_000 });
    expect(again.code, again.stderr).toBe(0);
    const rows = jsonOf<Row[]>(again);
    expect(rows.map((row) => row.videoId).sort()).toEqual([...videoIds].sort());
    for (const row of rows) expect(row).toEqual({ videoId: row.videoId, status: "succeeded", frames: expect.any(Number), objects: 0 });
    expect(Math.min(...rows.map((row) => row.frames))).toBeGreaterThan(0);

    const videos = jsonOf<{ id: string; model: { name: string } }[]>(await runVos(["videos", "--json"], env));
    expect(videos.map((video) => video.model.name)).toEqual(["clip-colours-v2-24d-256", "clip-colours-v2-24d-256"]);
  });

  it("keeps answering with the library's model when VOS_CLIP_MODEL names another", async () => {
    const result = await runVos(["search", "a red image", "--json"], env); // VOS_CLIP_MODEL is still A
    expect(result.code, result.stderr).toBe(0);
    const hits = jsonOf<SearchHit[]>(result);
    expect(new Set(hits.map((hit) => hit.videoId))).toEqual(new Set(videoIds));
    expect(result.stderr).not.toContain("Note:");
  });

  it("has nothing to do when the library is on the model named, and says so", async () => {
    const result = await runVos(["reindex", "--model", modelB, "--wait"], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("The library's model is clip-colours-v2-24d-256.");
  });

  it("refuses, over the API, a model the server was not configured with and the library never used", async () => {
    const { loadConfig } = await import("@vos/core");
    const { startEmbeddedRuntime } = await import("@vos/core/runtime/embedded");
    const { createApi } = await import("@vos/functions/api/app");
    const runtime = await startEmbeddedRuntime(loadConfig({ ...env, VOS_LOG_LEVEL: "warn" }), { workers: false });
    try {
      const app = createApi({ services: runtime.services, tenantOf: () => "local" });
      const response = await app.request("/api/reindex", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "/etc" }) });
      expect(response.status).toBe(422);
      expect(await response.json()).toMatchObject({ code: "reindex.unknown_model" });
      const status = await app.request("/api/reindex");
      expect(await status.json()).toMatchObject({ state: "idle", model: { name: "clip-colours-v2-24d-256" }, configured: { name: "clip-colours-v2" }, configuredError: null, toMove: 2 });

      // The same server configured with a folder that is gone: the state says why instead of failing.
      const missing = path.join(scratch, "gone");
      const base = runtime.services;
      const broken = createApi({
        services: { ...base, settings: { ...base.settings, clipModel: missing }, embedder: (source) => base.embedder(source ?? { model: missing, revision: null, textDtype: "fp32", visionDtype: "fp32" }) },
        tenantOf: () => "local",
      });
      const unloadable = await broken.request("/api/reindex");
      expect(unloadable.status).toBe(200);
      expect(await unloadable.json()).toMatchObject({ model: { name: "clip-colours-v2-24d-256" }, configured: null, configuredError: { code: "embedder.model_unavailable" }, toMove: 0 });
      const refused = await broken.request("/api/reindex", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ code: "embedder.model_unavailable", message: expect.stringContaining(missing) });
      // `vos reindex` to the library's own model has nothing to do, and says why the configured one is out of reach.
      const printed: string[] = [];
      const stdout = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => (printed.push(String(chunk)), true));
      try {
        await reindex(createClient("http://vos.test", async (request) => broken.fetch(request)), { model: "clip-colours-v2-24d-256", wait: false, json: false });
      } finally {
        stdout.mockRestore();
      }
      expect(printed.join("")).toContain(`The library's model is clip-colours-v2-24d-256. The configured model cannot be loaded: Could not load CLIP model '${missing}'`);
    } finally {
      await runtime.close();
    }
  });
});
