/**
 * Per-tenant rate limits through the HTTP API: searches (words, picture, similar objects) and new
 * uploads each draw on the tenant's own bucket; over the limit the API answers 429 with
 * `Retry-After` and stores nothing.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig, Video } from "@vos/core";
import { startEmbeddedRuntime, type EmbeddedRuntime } from "@vos/core/runtime/embedded";
import type { Context } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testModelDir } from "../../core/test/support/test-model.js";
import { createApi } from "../src/api/app.js";

let dir: string;
let runtime: EmbeddedRuntime;
let app: ReturnType<typeof createApi>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vos-rate-"));
  const config = loadConfig({ VOS_DATA_DIR: dir, VOS_CLIP_MODEL: await testModelDir(), VOS_RATE_SEARCH: "3", VOS_RATE_UPLOADS: "2", VOS_LOG_LEVEL: "warn" });
  runtime = await startEmbeddedRuntime(config, { workers: false });
  app = createApi({ services: runtime.services, tenantOf: (c: Context) => c.req.header("x-tenant") ?? "local" });
});
afterAll(async () => {
  await runtime.close();
  await rm(dir, { recursive: true, force: true });
});

const send = (tenant: string, method: string, url: string, body?: unknown) =>
  app.request(url, {
    method,
    headers: { "x-tenant": tenant, ...(body instanceof FormData ? {} : { "content-type": "application/json" }) },
    ...(body instanceof FormData ? { body } : body !== undefined ? { body: JSON.stringify(body) } : {}),
  });

/** 429 `rate.limited`, with a Retry-After no longer than one token's refill (60 s / the limit). */
async function expectLimited(response: Response, what: RegExp, perMinute = 3) {
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60 / perMinute);
  const body = (await response.json()) as { code: string; message: string };
  expect(body.code).toBe("rate.limited");
  expect(body.message).toMatch(what);
}

describe("rate limits per tenant", () => {
  it("allows a burst of searches, then answers 429 with Retry-After, counting every kind of search", async () => {
    expect((await send("ann", "POST", "/api/search", { text: "a red image" })).status).toBe(200);
    const form = new FormData();
    form.set("image", new Blob([new Uint8Array(10)], { type: "image/png" }), "x.png");
    // A picture search counts even when the picture turns out to be bad: the work was asked for.
    expect((await send("ann", "POST", "/api/search/image", form)).status).toBe(415);
    expect((await send("ann", "POST", `/api/objects/${encodeURIComponent("vid_x#o1.0")}/similar`, {})).status).toBe(404);
    await expectLimited(await send("ann", "POST", "/api/search", { text: "a red image" }), /^Too many searches: at most 3 a minute\. Try again in \d+ s\.$/);
    await expectLimited(await send("ann", "POST", `/api/objects/${encodeURIComponent("vid_x#o1.0")}/similar`, {}), /searches/);
  });

  it("keeps each tenant's bucket to itself", async () => {
    for (let i = 0; i < 3; i++) expect((await send("ben", "POST", "/api/search", { text: "a blue image" })).status).toBe(200);
    await expectLimited(await send("ben", "POST", "/api/search", { text: "a blue image" }), /searches/);
    expect((await send("cat", "POST", "/api/search", { text: "a blue image" })).status).toBe(200);
  });

  it("limits new uploads and stores nothing for a refused one", async () => {
    const create = () => send("dan", "POST", "/api/videos", { filename: "clip.mp4", sizeBytes: 10, contentType: "video/mp4" });
    expect((await create()).status).toBe(201);
    expect((await create()).status).toBe(201);
    await expectLimited(await create(), /^Too many new uploads: at most 2 a minute\. Try again in \d+ s\.$/, 2);
    expect(await Video.list(runtime.services, "dan")).toHaveLength(2);
    // Uploading, completing and reading are not limited: a refused creation blocks nothing else.
    expect((await send("dan", "GET", "/api/videos")).status).toBe(200);
    // Searching draws on another bucket.
    expect((await send("dan", "POST", "/api/search", { text: "a red image" })).status).toBe(200);
  });
});
