/**
 * The catalogue of bad inputs at the API and queue boundaries: each case answers its own status
 * and `{ code, message }`, and stores nothing (no video row, file, job, queue message or vector
 * beyond what the case set up).
 *
 *   input                                              -> status  code
 *   POST /videos with malformed JSON                   -> 400     request.malformed_json
 *   POST /videos without filename                      -> 400     request.invalid
 *   POST /videos with a negative size                  -> 400     request.invalid
 *   POST /videos with a 300-character file name        -> 400     request.invalid
 *   POST /videos with an empty title                   -> 400     request.invalid
 *   POST /videos with a zero-byte file                 -> 400     upload.empty
 *   POST /videos over the size limit                   -> 413     upload.too_large
 *   POST /videos with a text/plain type                -> 415     upload.unsupported_type
 *   POST /videos of an animated GIF (container refused)  -> 415     upload.unsupported_container
 *   PUT upload of an unknown video                     -> 404     video.not_found
 *   PUT upload longer than declared                    -> 400     upload.size_mismatch
 *   PUT upload shorter than declared                   -> 400     upload.size_mismatch
 *   PUT upload as image/png                            -> 415     upload.unsupported_type
 *   PUT chunk with a malformed Content-Range           -> 400     upload.invalid_range
 *   PUT chunk whose total is not the declared size     -> 400     upload.size_mismatch
 *   PUT chunk at the wrong offset                      -> 409     upload.offset_mismatch
 *   POST complete before any upload                    -> 409     upload.missing
 *   POST complete of an unknown video                  -> 404     video.not_found
 *   POST retry of a video still uploading              -> 409     video.not_retryable
 *   GET /videos?limit=0                                -> 400     request.invalid
 *   GET /videos/{unknown}                              -> 404     video.not_found
 *   DELETE /videos/{unknown}                           -> 404     video.not_found
 *   POST /search with blank text                       -> 400     request.invalid
 *   POST /search with limit 1000                       -> 400     request.invalid
 *   POST /search with an unknown kind                  -> 400     request.invalid
 *   POST /search with minScore 5                       -> 400     request.invalid
 *   POST /search/image without an image                -> 400     search.image_missing
 *   POST /search/image with an empty image             -> 400     image.empty
 *   POST /search/image with a text file                -> 415     image.invalid
 *   POST /search/image/{not a picture id}              -> 400     request.invalid
 *   POST /search/image/{id of no kept picture}         -> 404     search.picture_expired
 *   POST /objects/{not an object id}/similar           -> 404     object.not_found
 *   PUT /objects/{unknown}/labels                      -> 404     object.not_found
 *   PUT /objects/{id}/labels with a blank label        -> 400     request.invalid
 *   GET /videos/{unknown}/objects                      -> 404     video.not_found
 *   POST /videos over the tenant's upload rate         -> 429     rate.limited (+ Retry-After)
 *   POST /search over the tenant's search rate         -> 429     rate.limited (+ Retry-After)
 *   queue: a message for an unknown job                -> skipped, message deleted
 *   queue: a replayed message for a finished job       -> skipped, job unchanged
 *   configuration: VOS_MAX_ATTEMPTS=0                  -> start-up stops: config.invalid naming it
 *   configuration: a worker task without its Pinecone key -> start-up stops: names PINECONE_API_KEY
 *
 * Elsewhere: a malformed queue message is dead-lettered with its reason (dispatch.test.ts); bad
 * files (empty, not a video, damaged, no video stream, too long, a container, codec or size not
 * accepted) fail their job once with a media.* code (media.test.ts, media-policy.test.ts, the CLI's
 * bad-input.e2e.test.ts); bad CLI arguments are in bad-input.e2e.test.ts.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Job, loadConfig, Pipeline, RateLimit, Video } from "@vos/core";
import { loadCloudConfig } from "@vos/core/runtime/cloud";
import { startEmbeddedRuntime, type EmbeddedRuntime } from "@vos/core/runtime/embedded";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApi } from "../src/api/app.js";

let dir: string;
let runtime: EmbeddedRuntime;
let app: ReturnType<typeof createApi>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vos-catalogue-"));
  runtime = await startEmbeddedRuntime(loadConfig({ VOS_DATA_DIR: dir, VOS_MAX_UPLOAD_BYTES: "1000", VOS_LOG_LEVEL: "silent" }), { workers: false });
  app = createApi({ services: runtime.services, tenantOf: () => "local", serveFiles: true });
});
afterAll(async () => {
  await runtime.close();
  await rm(dir, { recursive: true, force: true });
});

/** Everything a request could leave behind. */
async function stored() {
  const svc = runtime.services;
  const count = async (table: string) => {
    const result = (await svc.db.execute(sql.raw(`select count(*)::int as n from ${table}`))) as unknown as { rows: { n: number }[] };
    return result.rows[0]!.n;
  };
  const queue = await (svc.queue as unknown as { stats(): Promise<{ ready: number; inFlight: number; dead: number }> }).stats();
  return {
    videos: await count("video"),
    jobs: await count("job"),
    frames: await count("frame"),
    objects: await count("object"),
    files: (await svc.blobs.list("local/")).length + (await svc.blobs.list("_queries/")).length,
    queue,
    vectors: (await svc.vectors.listIds("local", "")).length,
  };
}

const json = (method: string, url: string, body: unknown, headers: Record<string, string> = {}) =>
  app.request(url, { method, headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });

async function uploadingVideo(sizeBytes: number): Promise<string> {
  const response = await json("POST", "/api/videos", { filename: "clip.mp4", sizeBytes, contentType: "video/mp4" });
  return ((await response.json()) as { video: { id: string } }).video.id;
}

const form = (fields: Record<string, Blob | string>) => {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.set(name, value);
  return body;
};

/** Each case: what to send (after any setup it needs), the status and code it must answer. */
const cases: [string, () => Response | Promise<Response>, number, string][] = [
  ["POST /videos with malformed JSON", () => json("POST", "/api/videos", "{oops"), 400, "request.malformed_json"],
  ["POST /videos without filename", () => json("POST", "/api/videos", { sizeBytes: 10 }), 400, "request.invalid"],
  ["POST /videos with a negative size", () => json("POST", "/api/videos", { filename: "a.mp4", sizeBytes: -1 }), 400, "request.invalid"],
  ["POST /videos with a 300-character file name", () => json("POST", "/api/videos", { filename: `${"a".repeat(296)}.mp4`, sizeBytes: 10 }), 400, "request.invalid"],
  ["POST /videos with an empty title", () => json("POST", "/api/videos", { filename: "a.mp4", sizeBytes: 10, title: "  " }), 400, "request.invalid"],
  ["POST /videos with a zero-byte file", () => json("POST", "/api/videos", { filename: "a.mp4", sizeBytes: 0 }), 400, "upload.empty"],
  ["POST /videos over the size limit", () => json("POST", "/api/videos", { filename: "a.mp4", sizeBytes: 1001 }), 413, "upload.too_large"],
  ["POST /videos with a text/plain type", () => json("POST", "/api/videos", { filename: "a.txt", sizeBytes: 10, contentType: "text/plain" }), 415, "upload.unsupported_type"],
  [
    "POST /videos of an animated GIF (container refused)",
    () => json("POST", "/api/videos", { filename: "party.GIF", sizeBytes: 10, contentType: "application/octet-stream" }),
    415,
    "upload.unsupported_container",
  ],
  ["PUT upload of an unknown video", () => app.request("/api/videos/vid_nope/upload", { method: "PUT", body: new Uint8Array(4) }), 404, "video.not_found"],
];

/** Cases that need an uploading video first: the setup's own rows are expected to stay. */
const withVideo: [string, (id: string) => Response | Promise<Response>, number, string][] = [
  ["PUT upload longer than declared", (id) => app.request(`/api/videos/${id}/upload`, { method: "PUT", body: new Uint8Array(20) }), 400, "upload.size_mismatch"],
  ["PUT upload shorter than declared", (id) => app.request(`/api/videos/${id}/upload`, { method: "PUT", body: new Uint8Array(3) }), 400, "upload.size_mismatch"],
  [
    "PUT upload as image/png",
    (id) => app.request(`/api/videos/${id}/upload`, { method: "PUT", headers: { "content-type": "image/png" }, body: new Uint8Array(10) }),
    415,
    "upload.unsupported_type",
  ],
  [
    "PUT chunk with a malformed Content-Range",
    (id) => app.request(`/api/videos/${id}/upload`, { method: "PUT", headers: { "content-range": "bytes=0-4" }, body: new Uint8Array(5) }),
    400,
    "upload.invalid_range",
  ],
  [
    "PUT chunk whose total is not the declared size",
    (id) => app.request(`/api/videos/${id}/upload`, { method: "PUT", headers: { "content-range": "bytes 0-4/99" }, body: new Uint8Array(5) }),
    400,
    "upload.size_mismatch",
  ],
  [
    "PUT chunk at the wrong offset",
    (id) => app.request(`/api/videos/${id}/upload`, { method: "PUT", headers: { "content-range": "bytes 5-9/10" }, body: new Uint8Array(5) }),
    409,
    "upload.offset_mismatch",
  ],
  ["POST complete before any upload", (id) => app.request(`/api/videos/${id}/complete`, { method: "POST" }), 409, "upload.missing"],
  ["POST retry of a video still uploading", (id) => app.request(`/api/videos/${id}/retry`, { method: "POST" }), 409, "video.not_retryable"],
];

const more: [string, () => Response | Promise<Response>, number, string][] = [
  ["POST complete of an unknown video", () => app.request("/api/videos/vid_nope/complete", { method: "POST" }), 404, "video.not_found"],
  ["GET /videos?limit=0", () => app.request("/api/videos?limit=0"), 400, "request.invalid"],
  ["GET /videos/{unknown}", () => app.request("/api/videos/vid_nope"), 404, "video.not_found"],
  ["DELETE /videos/{unknown}", () => app.request("/api/videos/vid_nope", { method: "DELETE" }), 404, "video.not_found"],
  ["POST /search with blank text", () => json("POST", "/api/search", { text: "   " }), 400, "request.invalid"],
  ["POST /search with limit 1000", () => json("POST", "/api/search", { text: "cat", limit: 1000 }), 400, "request.invalid"],
  ["POST /search with an unknown kind", () => json("POST", "/api/search", { text: "cat", kinds: ["scene"] }), 400, "request.invalid"],
  ["POST /search with minScore 5", () => json("POST", "/api/search", { text: "cat", minScore: 5 }), 400, "request.invalid"],
  ["POST /search/image without an image", () => app.request("/api/search/image", { method: "POST", body: form({ limit: "3" }) }), 400, "search.image_missing"],
  ["POST /search/image with an empty image", () => app.request("/api/search/image", { method: "POST", body: form({ image: new Blob([]) }) }), 400, "image.empty"],
  ["POST /search/image with a text file", () => app.request("/api/search/image", { method: "POST", body: form({ image: new Blob(["just text"]) }) }), 415, "image.invalid"],
  ["POST /search/image/{not a picture id}", () => json("POST", "/api/search/image/..%2f..%2fetc", {}), 400, "request.invalid"],
  ["POST /search/image/{id of no kept picture}", () => json("POST", `/api/search/image/${"f".repeat(64)}`, { limit: 3 }), 404, "search.picture_expired"],
  ["POST /objects/{not an object id}/similar", () => json("POST", "/api/objects/nonsense/similar", {}), 404, "object.not_found"],
  ["PUT /objects/{unknown}/labels", () => json("PUT", `/api/objects/${encodeURIComponent("vid_nope#o1.0")}/labels`, { label: "mug" }), 404, "object.not_found"],
  ["PUT /objects/{id}/labels with a blank label", () => json("PUT", `/api/objects/${encodeURIComponent("vid_nope#o1.0")}/labels`, { label: " " }), 400, "request.invalid"],
  ["GET /videos/{unknown}/objects", () => app.request("/api/videos/vid_nope/objects"), 404, "video.not_found"],
];

async function expectAnswer(response: Response, status: number, code: string) {
  const body = (await response.json()) as { code: string; message: string };
  expect({ status: response.status, code: body.code }).toEqual({ status, code });
  expect(body.message.length).toBeGreaterThan(10);
}

describe("bad inputs: a specific answer and nothing stored", () => {
  it("has at least 25 cases", () => {
    expect(cases.length + withVideo.length + more.length + 6).toBeGreaterThanOrEqual(25);
  });

  it.each([...cases, ...more])("%s", async (_name, send, status, code) => {
    const before = await stored();
    await expectAnswer(await send(), status, code);
    expect(await stored()).toEqual(before);
  });

  it.each(withVideo)("%s", async (_name, send, status, code) => {
    const id = await uploadingVideo(10);
    const before = await stored();
    await expectAnswer(await send(id), status, code);
    expect(await stored()).toEqual(before);
    expect((await Video.get(runtime.services, "local", id)).status).toBe("uploading");
  });

  it.each([
    ["POST /videos over the tenant's upload rate", "upload", { filename: "a.mp4", sizeBytes: 10 }, "/api/videos"],
    ["POST /search over the tenant's search rate", "search", { text: "cat" }, "/api/search"],
  ] as const)("%s", async (_name, bucket, body, url) => {
    // One request a minute, so no token comes back however slowly the test runs; the first
    // request of the minute is spent here, as a flood of requests would spend it.
    const limits = { searchPerMinute: 1, uploadsPerMinute: 1 };
    const limited = createApi({ services: { ...runtime.services, settings: { ...runtime.services.settings, rateLimits: limits } }, tenantOf: () => "local" });
    try {
      await RateLimit.take(runtime.services.db, "local", bucket, limits);
      const before = await stored();
      const response = await limited.request(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
      await expectAnswer(response, 429, "rate.limited");
      expect(await stored()).toEqual(before);
    } finally {
      await runtime.services.db.execute(sql`delete from rate_limit where tenant_id = 'local'`);
    }
  });

  it("queue: a message for an unknown job is skipped and changes nothing", async () => {
    const before = await stored();
    const outcome = await Pipeline.runJob(runtime.services, { jobId: "job_nope", videoId: "vid_nope", tenantId: "local" }, { taskId: "test", signal: new AbortController().signal });
    expect(outcome).toEqual({ kind: "skipped", reason: "no such runnable job" });
    expect(await stored()).toEqual(before);
  });

  it("queue: a replayed message for a finished job is skipped and the job stays as it was", async () => {
    const id = await uploadingVideo(4);
    await app.request(`/api/videos/${id}/upload`, { method: "PUT", body: new Uint8Array(4) });
    const queued = (await (await app.request(`/api/videos/${id}/complete`, { method: "POST" })).json()) as { job: { id: string } };
    await runtime.services.db.transaction((tx) => Job.fail(tx, queued.job.id, { code: "test", message: "finished" }));
    const job = await Job.get(runtime.services.db, queued.job.id);
    const outcome = await Pipeline.runJob(runtime.services, { jobId: queued.job.id, videoId: id, tenantId: "local" }, { taskId: "test", signal: new AbortController().signal });
    expect(outcome.kind).toBe("skipped");
    expect(await Job.get(runtime.services.db, queued.job.id)).toEqual(job);
  });

  it("configuration: a wrong setting stops start-up with a message naming it", () => {
    expect(() => loadConfig({ VOS_MAX_ATTEMPTS: "0" })).toThrow(expect.objectContaining({ code: "config.invalid", message: expect.stringContaining("VOS_MAX_ATTEMPTS=") }));
  });

  it("configuration: a worker task without its Pinecone key stops at start-up, naming the secret", () => {
    const env = {
      AWS_REGION: "us-east-1",
      VOS_DATABASE_URL: "postgres://vos@db.internal:5432/vos",
      VOS_UPLOADS_BUCKET: "vos-uploads",
      VOS_FRAMES_BUCKET: "vos-frames",
      VOS_JOBS_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
      VOS_DEAD_LETTER_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/123456789012/dead",
      VOS_PINECONE_INDEX: "vos",
    };
    expect(() => loadCloudConfig(env, "worker")).toThrow(
      expect.objectContaining({ code: "config.invalid", message: expect.stringContaining("PINECONE_API_KEY (the task definition injects it from SSM) is not set") }),
    );
    expect(loadCloudConfig({ ...env, PINECONE_API_KEY: "a-key-from-ssm" }, "worker").pinecone?.index).toBe("vos");
  });
});
