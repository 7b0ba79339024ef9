import { SQSClient } from "@aws-sdk/client-sqs";
import postgres from "postgres";
import type { APIGatewayProxyResult, LambdaEvent } from "hono/aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, startCloudTestEnvironment, type CloudTestEnvironment } from "../../core/test/cloud/support/cloud-env.js";
import { testModelDir } from "../../core/test/support/test-model.js";
import { createSqsJobQueue } from "../../core/src/queue/sqs.js";
import { handler as api } from "../src/api.js";
import { handler as migrate } from "../src/migrate.js";
import { handler as pineconeIndex } from "../src/pinecone-index.js";
import { LAMBDA_MAX_IMAGE_BYTES, LAMBDA_PAYLOAD_BYTES } from "../src/api/context.js";
import { multipart, noiseJpeg, searchForm } from "./support/pictures.js";

const ORIGIN = "https://app.example.com";
const SST_KEY = "key-from-the-sst-secret";
let env: CloudTestEnvironment;

beforeAll(async () => {
  env = await startCloudTestEnvironment({ dimension: 16, pineconeApiKey: SST_KEY, env: { VOS_CLIP_MODEL: await testModelDir(), VOS_WEB_ORIGIN: ORIGIN } });
  const { PINECONE_API_KEY: _, ...withoutKey } = env.env;
  // As deployed: no key in the environment, the SST secret bound to the function instead.
  Object.assign(process.env, withoutKey, { SST_APP: "vos", SST_STAGE: "test", SST_Secret_value_PINECONE_API_KEY: SST_KEY });
  delete process.env.PINECONE_API_KEY;
});
afterAll(async () => env.close());

/**
 * An API Gateway HTTP API (payload 2.0) event, as the Api construct delivers it. `binary` is
 * sent as the gateway sends a multipart body: base64-encoded.
 */
function request(
  method: string,
  path: string,
  options: { body?: unknown; binary?: Buffer; headers?: Record<string, string>; query?: string } = {},
): LambdaEvent {
  const event: LambdaEvent = {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: options.query ?? "",
    headers: { host: "api.example.com", ...(options.body !== undefined ? { "content-type": "application/json" } : {}), ...options.headers },
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "api.example.com",
      domainPrefix: "api",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "203.0.113.1", userAgent: "test" },
      requestId: "request",
      routeKey: "$default",
      stage: "$default",
      time: "28/Nov/2026:00:00:00 +0000",
      timeEpoch: 0,
      authentication: null,
      authorizer: {},
    },
    body: options.body !== undefined ? JSON.stringify(options.body) : null,
    isBase64Encoded: false,
  };
  return options.binary ? { ...event, body: options.binary.toString("base64"), isBase64Encoded: true } : event;
}

/** A picture search as the gateway delivers it, with or without the Content-Length the client sent. */
async function pictureSearch(picture: Uint8Array, options: { contentLength: boolean; authorization?: string }): Promise<LambdaEvent> {
  const { bytes, contentType } = await multipart(searchForm(picture));
  return request("POST", "/api/search/image", {
    binary: bytes,
    headers: {
      "content-type": contentType,
      ...(options.contentLength ? { "content-length": String(bytes.length) } : {}),
      ...(options.authorization ? { authorization: options.authorization } : {}),
    },
  });
}
const eventBytes = (event: LambdaEvent) => Buffer.byteLength(JSON.stringify(event));
const call = async (event: LambdaEvent) => {
  const result: APIGatewayProxyResult = await api(event);
  return { status: result.statusCode, headers: result.headers ?? {}, json: result.body ? (JSON.parse(result.body) as Record<string, unknown>) : undefined };
};

describe("API on Lambda (hono/aws-lambda over the cloud runtime)", () => {
  it("answers health, and CORS for the web origin only", async () => {
    const health = await call(request("GET", "/api/health"));
    expect(health).toMatchObject({ status: 200, json: { status: "ok", database: "ok", model: process.env.VOS_CLIP_MODEL } });
    const preflight = await call(request("OPTIONS", "/api/videos", { headers: { origin: ORIGIN, "access-control-request-method": "POST" } }));
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe(ORIGIN);
    const foreign = await call(request("GET", "/api/health", { headers: { origin: "https://evil.example.com" } }));
    expect(foreign.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("lists the tenant's dead letters from the SQS dead-letter queue, and redrives one to the jobs queue with why it died", async () => {
    await env.fauxqs.purge(env.names.jobs, env.names.deadLetters);
    const sqs = new SQSClient({ region: "us-east-1", endpoint: env.fauxqs.endpoint, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    const queue = createSqsJobQueue(sqs, { queueUrl: env.env.VOS_JOBS_QUEUE_URL!, deadLetterQueueUrl: env.env.VOS_DEAD_LETTER_QUEUE_URL! });
    const ours = { jobId: "job_dead", videoId: "vid_gone", tenantId: "local" };
    await queue.sendDeadLetter(ours, "Gave up after 3 attempts; last error: task stopped: OutOfMemoryError");
    await queue.sendDeadLetter({ ...ours, jobId: "job_theirs", tenantId: "someone-else" }, "Gave up: theirs");
    await queue.sendDeadLetter("not json {", "malformed message: not json");

    const listed = await call(request("GET", "/api/activity"));
    expect(listed.status).toBe(200);
    const letters = listed.json!.deadLetters as { id: string; jobId: string }[];
    expect(letters).toEqual([
      { id: expect.any(String), jobId: "job_dead", videoId: "vid_gone", videoTitle: null, segment: null, reason: "Gave up after 3 attempts; last error: task stopped: OutOfMemoryError", failedAt: expect.any(String) },
    ]);
    // Looking left every dead letter where it was, visible.
    expect(env.fauxqs.messages(env.names.deadLetters)).toHaveLength(3);

    const redriven = await call(request("POST", `/api/dead-letters/${letters[0]!.id}/redrive`));
    expect(redriven).toMatchObject({ status: 200, json: { deadLetter: { jobId: "job_dead" } } });
    const [moved, ...more] = env.fauxqs.messages(env.names.jobs);
    expect(more).toEqual([]);
    expect(JSON.parse(moved!.body)).toEqual(ours);
    expect(moved!.attributes).toMatchObject({ reason: "Gave up after 3 attempts; last error: task stopped: OutOfMemoryError", failedAt: expect.any(String) });
    expect(env.fauxqs.messages(env.names.deadLetters).map((m) => m.body).sort()).toEqual([JSON.stringify({ ...ours, jobId: "job_theirs", tenantId: "someone-else" }), "not json {"].sort());
    expect(await call(request("POST", `/api/dead-letters/${letters[0]!.id}/redrive`))).toMatchObject({ status: 404, json: { code: "dead_letter.not_found" } });
    sqs.destroy();
    await env.fauxqs.purge(env.names.jobs, env.names.deadLetters);
  });

  it("hands out presigned part URLs, completes the S3 upload with the parts' ETags and queues the job", async () => {
    const bytes = Buffer.alloc(1000, 7);
    const created = await call(request("POST", "/api/videos", { body: { filename: "clip.mp4", sizeBytes: bytes.length, contentType: "video/mp4" } }));
    expect(created.status).toBe(201);
    const { video, upload } = created.json as { video: { id: string }; upload: { kind: string; uploadId: string; parts: { partNumber: number; url: string }[] } };
    expect(upload).toMatchObject({ kind: "multipart", parts: [{ partNumber: 1 }] });
    expect(upload.parts[0]!.url).toMatch(new RegExp(`^${env.fauxqs.endpoint}/${env.names.uploads}/local/videos/${video.id}/source\\.mp4\\?.*uploadId=`));
    const put = await fetch(upload.parts[0]!.url, { method: "PUT", body: bytes });
    const etag = put.headers.get("etag")!;

    expect(await call(request("POST", `/api/videos/${video.id}/complete`, { body: {} }))).toMatchObject({ status: 400, json: { code: "upload.parts_required" } });
    const completed = await call(request("POST", `/api/videos/${video.id}/complete`, { body: { parts: [{ partNumber: 1, etag }] } }));
    expect(completed).toMatchObject({ status: 202, json: { status: "queued", job: { status: "queued" } } });
    const [message] = env.fauxqs.messages(env.names.jobs);
    expect(JSON.parse(message!.body)).toEqual({ jobId: (completed.json!.job as { id: string }).id, videoId: video.id, tenantId: "local" });

    const shown = await call(request("GET", `/api/videos/${video.id}`));
    const playback = await fetch((shown.json as { playbackUrl: string }).playbackUrl);
    expect(Buffer.from(await playback.arrayBuffer()).equals(bytes)).toBe(true);

    const removed = await call(request("DELETE", `/api/videos/${video.id}`));
    expect(removed).toMatchObject({ status: 200, json: { deleted: video.id, vectors: 0, files: 1 } });
    expect(await fetch((shown.json as { playbackUrl: string }).playbackUrl).then((r) => r.status)).toBe(404);
  });

  it("searches Pinecone with the key from the bound SST secret", async () => {
    env.pinecone.requests.length = 0;
    const search = await call(request("POST", "/api/search", { body: { text: "a red image" } }));
    expect(search).toMatchObject({ status: 200, json: { hits: [] } });
    expect(env.pinecone.requests.map((r) => r.path)).toContain("/query");
    expect(env.pinecone.requests.every((r) => r.apiKey === SST_KEY)).toBe(true);
  });

  // The adapter sets Content-Length from the event's body, so a missing or lying one changes nothing.
  it.each([["none", {}], ["a lying 10 bytes", { "content-length": "10" }]])("applies the same body limit and text checks as vos serve (Content-Length: %s)", async (_name, headers) => {
    const body = { filename: "clip.mp4", sizeBytes: 10, pad: "x".repeat(100 * 1024) };
    const large = await call(request("POST", "/api/videos", { body, headers }));
    expect(large).toMatchObject({ status: 413, json: { code: "request.too_large", message: "The request body is 101 KB; the limit here is 64 KB." } });
    const nul = await call(request("POST", "/api/videos", { body: { filename: "clip\u0000.mp4", sizeBytes: 10 } }));
    expect(nul).toMatchObject({ status: 400, json: { code: "request.invalid", message: expect.stringContaining("filename: contains a character that cannot be stored") } });
    const db = postgres(env.env.VOS_DATABASE_URL!);
    try {
      expect(await db`select count(*)::int as n from video where filename like 'clip%' and size_bytes = 10`).toEqual([{ n: 0 }]);
    } finally {
      await db.end();
    }
  });
});

describe("picture search on Lambda (6 MB events, base64 bodies)", () => {
  const MiB = 1024 * 1024;

  it("the largest picture the limit lets through fits in one Lambda event, with room for a long token", async () => {
    const token = `Bearer ${"x".repeat(4096)}`;
    const largest = await pictureSearch(new Uint8Array(LAMBDA_MAX_IMAGE_BYTES), { contentLength: true, authorization: token });
    expect(eventBytes(largest)).toBeLessThan(LAMBDA_PAYLOAD_BYTES);
    // Half a megabyte more and the event no longer fits: the gateway would answer, not the app.
    const over = await pictureSearch(new Uint8Array(LAMBDA_MAX_IMAGE_BYTES + MiB / 2), { contentLength: true, authorization: token });
    expect(eventBytes(over)).toBeGreaterThan(LAMBDA_PAYLOAD_BYTES);
  });

  it.each([true, false])("refuses a picture over the limit with 413 image.too_large naming it (Content-Length sent: %s)", async (contentLength) => {
    const event = await pictureSearch(new Uint8Array(LAMBDA_MAX_IMAGE_BYTES + MiB / 5), { contentLength });
    expect(eventBytes(event)).toBeLessThan(LAMBDA_PAYLOAD_BYTES); // it does reach the function
    const answer = await call(event);
    expect(answer.status).toBe(413);
    expect(answer.json).toEqual({
      code: "image.too_large",
      message: "The picture is 4.2 MB; the limit here is 4 MB. Send a smaller picture (the web app and vos search --image shrink pictures to 1024 px before sending).",
    });
  });

  it("searches with a real picture under the limit", async () => {
    const picture = await noiseJpeg(2000, 2000);
    expect(picture.length).toBeGreaterThan(3.5 * MiB);
    env.pinecone.requests.length = 0;
    const answer = await call(await pictureSearch(picture, { contentLength: true }));
    expect(answer).toMatchObject({ status: 200, json: { hits: [] } });
    expect(env.pinecone.requests.map((r) => r.path)).toContain("/query");
  });
});

describe("deploy-time scripts", () => {
  it("migrate applies the migrations to an empty database, and again changes nothing", async () => {
    const fresh = await openTestDatabase({ migrate: false });
    const saved = process.env.VOS_DATABASE_URL;
    process.env.VOS_DATABASE_URL = fresh.url;
    const client = postgres(fresh.url, { max: 1, onnotice: () => {} });
    try {
      expect(await migrate()).toEqual({ migrated: true });
      expect(await migrate()).toEqual({ migrated: true });
      const tables = await client<{ table_name: string }[]>`select table_name from information_schema.tables where table_schema = 'public'`;
      expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(["video", "job", "frame"]));
    } finally {
      process.env.VOS_DATABASE_URL = saved;
      await client.end();
      await fresh.close();
    }
  });

  it("pinecone-index creates the serverless index with the model's dimension when missing", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { VOS_PINECONE_INDEX: "vos-created", VOS_EMBED_DIMENSION: "768", VOS_PINECONE_REGION: "eu-west-1" });
    try {
      expect(await pineconeIndex()).toEqual({ index: "vos-created", created: true, host: env.pinecone.hostOf("vos-created"), dimension: 768 });
      expect(await pineconeIndex()).toMatchObject({ created: false });
      const create = env.pinecone.requests.find((r) => r.method === "POST" && r.path === "/indexes");
      expect(create?.apiKey).toBe(SST_KEY);
    } finally {
      process.env = saved;
    }
  });
});
