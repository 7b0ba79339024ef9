/**
 * Retrying a failed video through the API: a job that gave up (the model could not be loaded)
 * runs again once the model is there; a failure on bad input removed the upload, so it cannot.
 */
import { mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Job, loadConfig } from "@vos/core";
import { startEmbeddedRuntime, type EmbeddedRuntime } from "@vos/core/runtime/embedded";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testModelDir } from "../../core/test/support/test-model.js";
import { colourVideo, textAsMp4 } from "../../core/test/support/videos.js";
import { createApi } from "../src/api/app.js";

interface Shown {
  id: string;
  status: string;
  retryable: boolean;
  frameCount: number;
  error: { code: string; message: string } | null;
  job: { id: string; status: string; attempts: number } | null;
}

let dir: string;
let modelPath: string;
let runtime: EmbeddedRuntime;
let app: ReturnType<typeof createApi>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vos-retry-"));
  // The model is configured where it is not yet: every load fails until the test puts it there.
  modelPath = path.join(dir, "model");
  runtime = await startEmbeddedRuntime(
    loadConfig({ VOS_DATA_DIR: path.join(dir, "data"), VOS_CLIP_MODEL: modelPath, VOS_DETECTOR: "off", VOS_MAX_ATTEMPTS: "1", VOS_LOG_LEVEL: "silent" }),
    { workers: true },
  );
  app = createApi({ services: runtime.services, tenantOf: () => "local", serveFiles: true });
});
afterAll(async () => {
  await runtime.close();
  await rm(dir, { recursive: true, force: true });
});

async function ingest(file: string): Promise<string> {
  const bytes = await readFile(file);
  const created = await app.request("/api/videos", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ filename: path.basename(file), sizeBytes: bytes.length, contentType: "video/mp4" }),
  });
  expect(created.status).toBe(201);
  const { video, upload } = (await created.json()) as { video: { id: string }; upload: { url: string; headers: Record<string, string> } };
  expect((await app.request(upload.url, { method: "PUT", headers: upload.headers, body: bytes })).status).toBe(200);
  expect((await app.request(`/api/videos/${video.id}/complete`, { method: "POST" })).status).toBe(202);
  return video.id;
}

const show = async (id: string) => (await (await app.request(`/api/videos/${id}`)).json()) as Shown;

async function settled(id: string, timeoutMs = 90_000): Promise<Shown> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const video = await show(id);
    if (video.status === "ready" || video.status === "failed" || Date.now() > deadline) return video;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const deadLetters = async () => (await (runtime.services.queue as unknown as { stats(): Promise<{ dead: number; ready: number; inFlight: number }> }).stats());

describe("POST /api/videos/{id}/retry", () => {
  it("runs a job that gave up again once its cause is fixed, with fresh attempts, to ready", async () => {
    const id = await ingest(await colourVideo());
    const failed = await settled(id);
    expect(failed).toMatchObject({ status: "failed", retryable: true, error: { code: "job.gave_up" }, job: { status: "failed", attempts: 1 } });
    expect(failed.error!.message).toContain(modelPath);

    await symlink(await testModelDir(), modelPath, "dir");
    const retried = await app.request(`/api/videos/${id}/retry`, { method: "POST" });
    expect(retried.status).toBe(202);
    const queued = (await retried.json()) as Shown;
    expect(queued.status === "queued" || queued.status === "processing").toBe(true);
    expect(queued).toMatchObject({ error: null, retryable: false });
    expect(queued.job!.id).not.toBe(failed.job!.id);

    // A second click while it runs answers the video as it is: no second job.
    const again = (await (await app.request(`/api/videos/${id}/retry`, { method: "POST" })).json()) as Shown;
    expect(again.job!.id).toBe(queued.job!.id);

    const done = await settled(id);
    expect(done.frameCount).toBeGreaterThan(0);
    expect(done).toMatchObject({ status: "ready", error: null, retryable: false, job: { id: queued.job!.id, status: "succeeded", attempts: 1 } });
    expect((await Job.get(runtime.services.db, failed.job!.id))?.status).toBe("failed");
    const search = await app.request("/api/search", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "red", videoId: id }) });
    expect(((await search.json()) as { hits: unknown[] }).hits.length).toBeGreaterThan(0);

    // Ready is not failed: nothing to retry.
    const ready = await app.request(`/api/videos/${id}/retry`, { method: "POST" });
    expect(ready.status).toBe(409);
    expect(await ready.json()).toEqual({ code: "video.not_retryable", message: `Video '${id}' cannot be retried: it is ready; only a failed video can be processed again.` });
  });

  it("refuses a video that failed on bad input (its upload was removed) and queues nothing", async () => {
    const id = await ingest(await textAsMp4());
    const failed = await settled(id);
    expect(failed).toMatchObject({ status: "failed", retryable: false, error: { code: "media.not_a_video" } });
    const before = await deadLetters();
    const response = await app.request(`/api/videos/${id}/retry`, { method: "POST" });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      code: "video.not_retryable",
      message: `Video '${id}' cannot be retried: its uploaded file was removed when it failed (media.not_a_video), and the same file would fail the same way. Upload a fixed file as a new video.`,
    });
    const after = await show(id);
    expect(after).toMatchObject({ status: "failed", error: { code: "media.not_a_video" }, job: { id: failed.job!.id } });
    expect(await deadLetters()).toEqual(before);
  });

  it("answers 404 for an unknown video", async () => {
    const response = await app.request("/api/videos/vid_nope/retry", { method: "POST" });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { code: string }).code).toBe("video.not_found");
  });
});
