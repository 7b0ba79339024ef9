/**
 * The API's optional bearer token (VOS_API_TOKEN), its security headers and its CORS policy.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { loadConfig } from "@vos/core";
import { startEmbeddedRuntime, type EmbeddedRuntime } from "@vos/core/runtime/embedded";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApi } from "../src/api/app.js";
import { sameToken } from "../src/api/auth.js";
import { CONTENT_SECURITY_POLICY } from "../src/api/security.js";

const TOKEN = "s3cret-token-0123456789abcdef";
let dir: string;
let runtime: EmbeddedRuntime;
let open: ReturnType<typeof createApi>;
let guarded: ReturnType<typeof createApi>;
let fileKey: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vos-security-"));
  runtime = await startEmbeddedRuntime(loadConfig({ VOS_DATA_DIR: dir, VOS_LOG_LEVEL: "silent" }), { workers: false });
  open = createApi({ services: runtime.services, tenantOf: () => "local", serveFiles: true });
  guarded = createApi({ services: runtime.services, tenantOf: () => "local", serveFiles: true, apiToken: TOKEN });
  fileKey = "local/videos/vid_sec/frames/000001.jpg";
  await runtime.services.blobs.put(fileKey, Readable.from([Buffer.from("jpeg bytes")]), { contentType: "image/jpeg" });
});
afterAll(async () => {
  await runtime.close();
  await rm(dir, { recursive: true, force: true });
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
async function problem(response: Response) {
  return { status: response.status, body: (await response.json()) as { code: string; message: string } };
}

describe("the API token", () => {
  it("lets health through without it, for liveness probes", async () => {
    expect((await guarded.request("/api/health")).status).toBe(200);
  });

  it.each([
    ["GET", "/api/videos"],
    ["POST", "/api/videos"],
    ["GET", "/api/openapi.json"],
    ["POST", "/api/search"],
    ["POST", "/api/videos/vid_x/retry"],
    ["DELETE", "/api/videos/vid_x"],
    ["GET", "/api/nope"],
  ])("answers %s %s without it 401 auth.missing", async (method, url) => {
    const response = await guarded.request(url, { method });
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
    expect(await problem(response)).toEqual({
      status: 401,
      body: { code: "auth.missing", message: "This server needs its access token: send 'Authorization: Bearer <token>' (the CLI sends VOS_API_TOKEN)." },
    });
  });

  it.each([
    ["a wrong token", bearer("s3cret-token-0123456789abcdeX")],
    ["a prefix of the token", bearer(TOKEN.slice(0, -1))],
    ["another scheme", { authorization: `Basic ${TOKEN}` }],
    ["an empty bearer", { authorization: "Bearer " }],
  ])("answers %s 401 auth.invalid", async (_name, headers) => {
    expect(await problem(await guarded.request("/api/videos", { headers }))).toEqual({
      status: 401,
      body: { code: "auth.invalid", message: "The access token is wrong: use the server's VOS_API_TOKEN." },
    });
  });

  it("serves every route with the right token", async () => {
    const response = await guarded.request("/api/videos", { headers: bearer(TOKEN) });
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveProperty("videos");
    expect((await guarded.request("/api/videos/vid_x", { headers: bearer(TOKEN) })).status).toBe(404);
  });

  it("takes ?token= for stored files only, so <img> and <video> work", async () => {
    const file = await guarded.request(`/api/files/${fileKey}?token=${TOKEN}`);
    expect(file.status).toBe(200);
    expect(await file.text()).toBe("jpeg bytes");
    expect((await problem(await guarded.request(`/api/files/${fileKey}`))).body.code).toBe("auth.missing");
    expect((await problem(await guarded.request(`/api/files/${fileKey}?token=wrong`))).body.code).toBe("auth.invalid");
    // Not anywhere else: a token in a URL is only for what a browser fetches without headers.
    expect((await problem(await guarded.request(`/api/videos?token=${TOKEN}`))).body.code).toBe("auth.missing");
  });

  it("is not needed when none is configured", async () => {
    expect((await open.request("/api/videos")).status).toBe(200);
    expect((await open.request(`/api/files/${fileKey}`)).status).toBe(200);
  });

  it("compares tokens by their digests", () => {
    expect(sameToken(TOKEN, TOKEN)).toBe(true);
    expect(sameToken("short", TOKEN)).toBe(false);
    expect(sameToken(`${TOKEN}x`, TOKEN)).toBe(false);
  });
});

describe("security headers and CORS", () => {
  it.each([
    ["JSON", "/api/videos"],
    ["an error", "/api/videos/vid_nope"],
    ["a stored file", `/api/files/${fileKey}`],
    ["a path outside the API", "/"],
  ])("sets them on %s", async (_name, url) => {
    const response = await open.request(url);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
  });

  it("allows the web app's own scripts, blob:/data: images and media from itself only", () => {
    const directives = Object.fromEntries(CONTENT_SECURITY_POLICY.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1).join(" ")]));
    expect(directives).toMatchObject({
      "default-src": "'self'",
      "script-src": "'self'",
      "img-src": "'self' blob: data:",
      "media-src": "'self'",
      "object-src": "'none'",
      "frame-ancestors": "'none'",
    });
  });

  it("sends no CORS headers without configured origins (the local, same-origin app)", async () => {
    const preflight = await open.request("/api/videos", { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const get = await open.request("/api/videos", { headers: { origin: "https://evil.example" } });
    expect(get.status).toBe(200);
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows only the configured origins, and preflights pass before the token check", async () => {
    const app = createApi({ services: runtime.services, tenantOf: () => "local", apiToken: TOKEN, corsOrigins: ["https://app.example"] });
    const preflight = await app.request("/api/videos", { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
    const allowed = await app.request("/api/videos", { headers: { origin: "https://app.example", ...bearer(TOKEN) } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const other = await app.request("/api/videos", { headers: { origin: "https://evil.example", ...bearer(TOKEN) } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});
