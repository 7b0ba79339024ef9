/**
 * The picture-search size limit over real HTTP (@hono/node-server, as `vos serve` runs the app):
 * a body declared too large by Content-Length is refused before a byte of it is read, a chunked
 * one as soon as it grows past the limit, a picture just over the limit inside a small form by
 * its parsed size; a picture under the limit is searched. Each refusal is 413 image.too_large
 * naming the limit. The Lambda path through the real handler is in lambda-api.test.ts.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { serve } from "@hono/node-server";
import { loadConfig, Search } from "@vos/core";
import { startEmbeddedRuntime, type EmbeddedRuntime } from "@vos/core/runtime/embedded";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testModelDir } from "../../core/test/support/test-model.js";
import { createApi } from "../src/api/app.js";
import { DEFAULT_MAX_IMAGE_BYTES, FORM_OVERHEAD_BYTES, LAMBDA_MAX_IMAGE_BYTES } from "../src/api/context.js";
import { multipart, noiseJpeg, searchForm } from "./support/pictures.js";

const MiB = 1024 * 1024;
const LIMIT_NAMED = /the limit here is 4 MB\. Send a smaller picture/;

let dir: string;
let runtime: EmbeddedRuntime;
let app: ReturnType<typeof createApi>;
let server: ReturnType<typeof serve>;
let port: number;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vos-image-limit-"));
  runtime = await startEmbeddedRuntime(loadConfig({ VOS_DATA_DIR: dir, VOS_CLIP_MODEL: await testModelDir(), VOS_LOG_LEVEL: "warn" }), { workers: false });
  app = createApi({ services: runtime.services, tenantOf: () => "local", maxImageBytes: LAMBDA_MAX_IMAGE_BYTES });
  server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await runtime?.close();
  await rm(dir, { recursive: true, force: true });
});

interface Sent {
  status: number;
  json: { code?: string; message?: string; hits?: unknown[] };
  /** Body bytes written before the answer arrived. */
  sentBytes: number;
}

/**
 * POSTs `body` over HTTP in 64 KiB chunks, each after the last one was flushed, and stops
 * writing as soon as the server answers. Without `contentLength` Node sends it chunked.
 */
function streamBody(body: Buffer, options: { contentType?: string; contentLength?: number } = {}): Promise<Sent> {
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let answered = false;
    const headers: Record<string, string> = { "content-type": options.contentType ?? "multipart/form-data; boundary=----vos" };
    if (options.contentLength !== undefined) headers["content-length"] = String(options.contentLength);
    const req = httpRequest({ host: "127.0.0.1", port, method: "POST", path: "/api/search/image", headers }, (response) => {
      answered = true;
      const at = sentBytes;
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("end", () => {
        req.destroy();
        resolve({ status: response.statusCode ?? 0, json: JSON.parse(text) as Sent["json"], sentBytes: at });
      });
    });
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    const writeNext = () => {
      if (answered) return;
      if (sentBytes >= body.length) return void req.end();
      const piece = body.subarray(sentBytes, sentBytes + 64 * 1024);
      sentBytes += piece.length;
      req.write(piece, () => setImmediate(writeNext));
    };
    req.flushHeaders();
    writeNext();
  });
}

const FIFTY_MB = Buffer.alloc(50 * MiB, 0x61);

describe("picture search size limit (4 MB, as on Lambda)", () => {
  it("refuses a body whose Content-Length is over the limit before reading it", async () => {
    const answer = await streamBody(FIFTY_MB, { contentLength: FIFTY_MB.length });
    expect(answer.status).toBe(413);
    expect(answer.json.code).toBe("image.too_large");
    expect(answer.json.message).toMatch(/^The picture is 50 MB; /);
    expect(answer.json.message).toMatch(LIMIT_NAMED);
    // The answer came while almost all of the 50 MB was still unsent.
    expect(answer.sentBytes).toBeLessThan(5 * MiB);
  });

  it("refuses a chunked body as soon as it grows past the limit", async () => {
    const answer = await streamBody(FIFTY_MB);
    expect(answer.status).toBe(413);
    expect(answer.json.code).toBe("image.too_large");
    expect(answer.json.message).toMatch(/^The picture is over 4 MB; /);
    expect(answer.json.message).toMatch(LIMIT_NAMED);
    expect(answer.sentBytes).toBeGreaterThan(LAMBDA_MAX_IMAGE_BYTES);
    expect(answer.sentBytes).toBeLessThan(12 * MiB);
  });

  it("refuses a picture one byte over the limit in a form that fits, by the parsed file's size", async () => {
    const { bytes, contentType } = await multipart(searchForm(new Uint8Array(LAMBDA_MAX_IMAGE_BYTES + 1)));
    expect(bytes.length).toBeLessThanOrEqual(LAMBDA_MAX_IMAGE_BYTES + FORM_OVERHEAD_BYTES);
    const response = await app.request("/api/search/image", { method: "POST", headers: { "content-type": contentType }, body: bytes });
    expect(response.status).toBe(413);
    const json = (await response.json()) as { code: string; message: string };
    expect(json.code).toBe("image.too_large");
    expect(json.message).toMatch(/^The picture is just over 4 MB; /);
    expect(json.message).toMatch(LIMIT_NAMED);
  });

  it("searches with a real picture just under the limit, sent chunked over HTTP", async () => {
    const picture = await noiseJpeg(2000, 2000);
    expect(picture.length).toBeGreaterThan(3.5 * MiB);
    expect(picture.length).toBeLessThan(LAMBDA_MAX_IMAGE_BYTES);
    const { bytes, contentType } = await multipart(searchForm(picture, "noise.jpg"));
    const answer = await streamBody(bytes, { contentType });
    const id = createHash("sha256").update(await Search.keptForm(picture)).digest("hex");
    const picked = { id, url: `/api/files/_queries/local/${id}/picture.jpg` };
    expect(answer).toEqual({ status: 200, json: { hits: [], modelMismatch: null, picture: picked }, sentBytes: bytes.length });
  });

  it("documents each server's limit in its OpenAPI document", async () => {
    const describe = async (api: ReturnType<typeof createApi>) => {
      const doc = (await (await api.request("/api/openapi.json")).json()) as { paths: Record<string, { post?: { description?: string } }> };
      return doc.paths["/search/image"]?.post?.description;
    };
    expect(await describe(app)).toMatch(/up to 4 MB on this server/);
    expect(DEFAULT_MAX_IMAGE_BYTES).toBe(20 * MiB);
    expect(await describe(createApi({ services: runtime.services, tenantOf: () => "local" }))).toMatch(/up to 20 MB on this server/);
  });
});
