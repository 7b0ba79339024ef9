import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Job, loadConfig, setLogSink } from "@vos/core";
import { eq } from "drizzle-orm";
import { startEmbeddedRuntime, type EmbeddedRuntime } from "@vos/core/runtime/embedded";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApi } from "../src/api/app.js";

let dir: string;
let runtime: EmbeddedRuntime;
let app: ReturnType<typeof createApi>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vos-api-"));
  runtime = await startEmbeddedRuntime(loadConfig({ VOS_DATA_DIR: dir, VOS_MAX_UPLOAD_BYTES: "1000", VOS_LOG_LEVEL: "warn" }), { workers: false });
  app = createApi({ services: runtime.services, tenantOf: () => "local", serveFiles: true });
});
afterAll(async () => {
  await runtime.close();
  await rm(dir, { recursive: true, force: true });
});

const json = (method: string, url: string, body?: unknown) =>
  app.request(url, { method, headers: { "content-type": "application/json" }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

async function createVideo(sizeBytes: number) {
  const response = await json("POST", "/api/videos", { filename: "clip.mp4", sizeBytes, contentType: "video/mp4", title: "My clip" });
  expect(response.status).toBe(201);
  return (await response.json()) as { video: { id: string; status: string; title: string }; upload: { method: string; url: string; headers: Record<string, string> } };
}

describe("HTTP API", () => {
  it("answers health and an OpenAPI document generated from the schemas", async () => {
    const health = await app.request("/api/health");
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", database: "ok" });
    const doc = (await (await app.request("/api/openapi.json")).json()) as { openapi: string; paths: Record<string, unknown>; };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        "/activity",
        "/dead-letters/{id}/redrive",
        "/auth",
        "/health",
        "/reindex",
        "/search",
        "/search/image",
        "/search/image/{id}",
        "/videos",
        "/videos/{id}",
        "/videos/{id}/complete",
        "/videos/{id}/retry",
        "/videos/{id}/tracks",
        "/videos/{id}/upload",
        "/videos/{id}/upload/parts",
        "/videos/{id}/objects",
        "/objects/{objectId}/similar",
        "/objects/{objectId}/labels",
        "/objects/{objectId}/labels/{label}",
      ].sort(),
    );
    expect(Object.keys(doc.paths["/videos/{id}/upload"] as object).sort()).toEqual(["get", "put"]);
    const createBody = JSON.stringify(doc.paths["/videos"]);
    expect(createBody).toContain("sizeBytes");
  });

  it("creates a video, streams its upload, completes it and shows it queued", async () => {
    const { video, upload } = await createVideo(5);
    expect(video).toMatchObject({ status: "uploading", title: "My clip" });
    expect(upload).toEqual({ kind: "put", method: "PUT", url: `/api/videos/${video.id}/upload`, headers: { "content-type": "video/mp4" }, chunkBytes: 8 * 1024 * 1024 });
    const put = await app.request(upload.url, { method: "PUT", headers: upload.headers, body: new Uint8Array([1, 2, 3, 4, 5]) });
    expect(put.status).toBe(200);
    const complete = await app.request(`/api/videos/${video.id}/complete`, { method: "POST" });
    expect(complete.status).toBe(202);
    const shown = (await (await app.request(`/api/videos/${video.id}`)).json()) as { status: string; job: { status: string; progress: { stage: string } } };
    expect(shown.status).toBe("queued");
    expect(shown.job).toMatchObject({ status: "queued", progress: { stage: "probe" } });
    const list = (await (await app.request("/api/videos")).json()) as { videos: { id: string }[] };
    expect(list.videos.map((v) => v.id)).toContain(video.id);
    // The activity view counts its job as queued and lists the video as waiting, with no pace yet.
    const activity = await app.request("/api/activity");
    expect(activity.status).toBe(200);
    const now = (await activity.json()) as { jobs: { queued: number }; videos: { id: string; status: string; done: number; etaSec: number | null }[] };
    expect(now.jobs.queued).toBeGreaterThanOrEqual(1);
    expect(now.videos).toContainEqual(expect.objectContaining({ id: video.id, status: "queued", done: 0, etaSec: null }));
    // Its place in the queue; no time while it waits.
    expect(shown.job).toMatchObject({ queuePlace: expect.any(Number), startedAt: null, elapsedSec: null, etaSec: null });
    // No job gave up: no dead letters, and a redrive of an unknown one says so.
    expect((now as unknown as { deadLetters: unknown[] }).deadLetters).toEqual([]);
    const redrive = await app.request("/api/dead-letters/msg_nope/redrive", { method: "POST" });
    expect(redrive.status).toBe(404);
    expect(await redrive.json()).toMatchObject({ code: "dead_letter.not_found" });
  });

  it("shows a waiting run's place in the queue, and a running one's time so far and estimated time left", async () => {
    const queue = async () => {
      const { video, upload } = await createVideo(3);
      await app.request(upload.url, { method: "PUT", headers: upload.headers, body: new Uint8Array([1, 2, 3]) });
      expect((await app.request(`/api/videos/${video.id}/complete`, { method: "POST" })).status).toBe(202);
      return video.id;
    };
    type Shown = { job: { id: string; status: string; queuePlace: number | null; startedAt: string | null; elapsedSec: number | null; etaSec: number | null } };
    const show = async (id: string) => ((await (await app.request(`/api/videos/${id}`)).json()) as Shown).job;
    const [first, second] = [await queue(), await queue()];
    const before = (await show(first)).queuePlace!;
    expect(await show(second)).toMatchObject({ queuePlace: before + 1 });
    const list = ((await (await app.request("/api/videos")).json()) as { videos: ({ id: string } & Shown)[] }).videos;
    expect(list.find((v) => v.id === second)!.job.queuePlace).toBe(before + 1);

    // A worker takes the first: the second moves up, the first runs with a time but no pace yet.
    const db = runtime.services.db;
    const jobId = (await show(first)).id;
    await Job.begin(db, jobId, "task-test");
    expect(await show(second)).toMatchObject({ queuePlace: before });
    const running = await show(first);
    expect(running).toMatchObject({ status: "running", queuePlace: null, elapsedSec: expect.any(Number), etaSec: null });
    expect(Date.now() - Date.parse(running.startedAt!)).toBeLessThan(60_000);
    // A minute in and a bit over half done (probe and sample done, half embedded): the time left at that pace.
    await db.update(Job.jobTable).set({ startedAt: new Date(Date.now() - 60_000) }).where(eq(Job.jobTable.id, jobId));
    await Job.setProgress(db, jobId, { stage: "embed", stages: { probe: 1, sample: 1, embed: 0.5, index: 0 }, frames: { sampled: 10, embedded: 5, indexed: 0, objects: 0 } });
    const timed = await show(first);
    expect(timed.elapsedSec).toBeGreaterThanOrEqual(60);
    expect(timed.etaSec).toBeGreaterThanOrEqual(43);
    expect(timed.etaSec).toBeLessThanOrEqual(46);
    // A second attempt keeps the run's first start.
    await Job.begin(db, jobId, "task-test-2");
    expect((await show(first)).startedAt).toBe(timed.startedAt);
  });

  it("serves stored files with HTTP ranges", async () => {
    const { video, upload } = await createVideo(10);
    await app.request(upload.url, { method: "PUT", headers: upload.headers, body: new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) });
    const key = `local/videos/${video.id}/source.mp4`;
    const whole = await app.request(`/api/files/${key}`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-type")).toBe("video/mp4");
    expect([...new Uint8Array(await whole.arrayBuffer())]).toHaveLength(10);
    const part = await app.request(`/api/files/${key}`, { headers: { range: "bytes=2-4" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 2-4/10");
    expect([...new Uint8Array(await part.arrayBuffer())]).toEqual([2, 3, 4]);
    expect((await app.request(`/api/files/${key}`, { headers: { range: "bytes=20-" } })).status).toBe(416);
    expect((await app.request(`/api/files/other/videos/x/source.mp4`)).status).toBe(404);
  });

  it("answers a broken database and a failing store through the one error type, their own words kept in the log", async () => {
    const secret = "password authentication failed for user vos_admin at db.internal:5432";
    const logged: string[] = [];
    setLogSink((line) => logged.push(line));
    const broken = createApi({
      services: { ...runtime.services, db: Object.assign(Object.create(runtime.services.db) as typeof runtime.services.db, { execute: () => Promise.reject(new Error(secret)) }) },
      tenantOf: () => "local",
      serveFiles: true,
    });
    const health = await broken.request("/api/health");
    expect(health.status).toBe(503);
    const said = await health.text();
    expect(JSON.parse(said)).toEqual({ code: "database.unreachable", message: "The database is not reachable; the error was logged." });
    expect(said).not.toContain("vos_admin");

    const failing = createApi({
      services: { ...runtime.services, blobs: { ...runtime.services.blobs, stat: () => Promise.reject(new Error("store down")) } },
      tenantOf: () => "local",
      serveFiles: true,
    });
    // A store that fails is not a missing file: the caller is told to try again, not that it is gone.
    const file = await failing.request("/api/files/local/videos/x/source.mp4");
    expect(file.status).toBe(500);
    expect(await file.json()).toMatchObject({ code: "internal" });
    const elsewhere = await failing.request("/api/files/other/videos/x/source.mp4");
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toEqual({ code: "file.not_found", message: "No such file." });

    setLogSink((line) => process.stderr.write(`${line}\n`));
    expect(logged.find((line) => line.includes("health check: database unreachable"))).toContain(secret);
    expect(logged.find((line) => line.includes("unhandled error"))).toContain("store down");
  });

  it.each([
    ["malformed JSON", () => app.request("/api/videos", { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" }), 400, "request.malformed_json"],
    ["a missing field", () => json("POST", "/api/videos", { filename: "a.mp4" }), 400, "request.invalid"],
    ["a zero-byte file", () => json("POST", "/api/videos", { filename: "a.mp4", sizeBytes: 0 }), 400, "upload.empty"],
    ["a file over the size limit", () => json("POST", "/api/videos", { filename: "a.mp4", sizeBytes: 1001 }), 413, "upload.too_large"],
    ["a type that is not video", () => json("POST", "/api/videos", { filename: "a.txt", sizeBytes: 10, contentType: "text/plain" }), 415, "upload.unsupported_type"],
    ["an unknown video id", () => app.request("/api/videos/vid_nope"), 404, "video.not_found"],
    ["deleting an unknown video", () => app.request("/api/videos/vid_nope", { method: "DELETE" }), 404, "video.not_found"],
    ["an empty search", () => json("POST", "/api/search", { text: "  " }), 400, "request.invalid"],
    ["a search limit out of range", () => json("POST", "/api/search", { text: "cat", limit: 1000 }), 400, "request.invalid"],
    ["an image search without an image", () => app.request("/api/search/image", { method: "POST", body: new FormData() }), 400, "search.image_missing"],
    ["a complete with malformed JSON", () => app.request("/api/videos/vid_x/complete", { method: "POST", headers: { "content-type": "application/json" }, body: "{" }), 400, "request.malformed_json"],
    ["a chunk with a bad Content-Range", async () => {
      const { upload } = await createVideo(10);
      return app.request(upload.url, { method: "PUT", headers: { ...upload.headers, "content-range": "bytes 5-1/10" }, body: new Uint8Array(5) });
    }, 400, "upload.invalid_range"],
    ["an object id that is not one", () => json("POST", "/api/objects/nonsense/similar", {}), 404, "object.not_found"],
    ["an unknown object", () => json("PUT", `/api/objects/${encodeURIComponent("vid_x#o1.0")}/labels`, { label: "mug" }), 404, "object.not_found"],
    ["a label that is empty", () => json("PUT", `/api/objects/${encodeURIComponent("vid_x#o1.0")}/labels`, { label: " " }), 400, "request.invalid"],
    ["objects of an unknown video", () => app.request("/api/videos/vid_nope/objects"), 404, "video.not_found"],
    ["a search for an unknown kind", () => json("POST", "/api/search", { text: "cat", kinds: ["scene"] }), 400, "request.invalid"],
    ["an unknown route", () => app.request("/api/nope"), 404, "route.not_found"],
  ])("answers %s with a specific error", async (_name, send, status, code) => {
    const response = await send();
    expect(response.status).toBe(status);
    const body = (await response.json()) as { code: string; message: string };
    expect(body.code).toBe(code);
    expect(body.message.length).toBeGreaterThan(5);
  });

  it("refuses an upload longer than declared and keeps nothing of it", async () => {
    const { video, upload } = await createVideo(4);
    const put = await app.request(upload.url, { method: "PUT", headers: upload.headers, body: new Uint8Array(8) });
    expect(put.status).toBe(400);
    expect(((await put.json()) as { code: string }).code).toBe("upload.size_mismatch");
    expect(await runtime.services.blobs.list(`local/videos/${video.id}/`)).toEqual([]);
    const complete = await app.request(`/api/videos/${video.id}/complete`, { method: "POST" });
    expect(complete.status).toBe(409);
    expect(((await complete.json()) as { code: string }).code).toBe("upload.missing");
  });

  it("takes a chunked upload, tells what arrived, and queues it", async () => {
    const { video, upload } = await createVideo(6);
    const send = (range: string, bytes: number[]) =>
      app.request(upload.url, { method: "PUT", headers: { ...upload.headers, "content-range": range }, body: new Uint8Array(bytes) });
    expect(await (await send("bytes 0-2/6", [1, 2, 3])).json()).toEqual({ received: 3, sizeBytes: 6 });
    expect(await (await app.request(upload.url)).json()).toEqual({ received: 3, sizeBytes: 6 });
    const wrong = await send("bytes 4-5/6", [5, 6]);
    expect(wrong.status).toBe(409);
    expect(((await wrong.json()) as { code: string }).code).toBe("upload.offset_mismatch");
    expect(await (await send("bytes 3-5/6", [4, 5, 6])).json()).toEqual({ received: 6, sizeBytes: 6 });
    const complete = await app.request(`/api/videos/${video.id}/complete`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(complete.status).toBe(202);
    expect(((await complete.json()) as { status: string }).status).toBe("queued");
  });

  it("refuses a second upload once the video is queued", async () => {
    const { video, upload } = await createVideo(3);
    await app.request(upload.url, { method: "PUT", headers: upload.headers, body: new Uint8Array(3) });
    await app.request(`/api/videos/${video.id}/complete`, { method: "POST" });
    const again = await app.request(upload.url, { method: "PUT", headers: upload.headers, body: new Uint8Array(3) });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { code: string }).code).toBe("video.invalid_state");
  });
});
