/**
 * How `vos serve` serves the built app next to the API (mountWebApp): index.html at / and for
 * any non-API path, immutable caching for hashed assets, precompressed files, API paths left
 * to the API, and a clear page when the build is missing.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mountWebApp } from "../../cli/src/commands/serve.js";

let root: string;
const SCRIPT = "console.log('the app');".repeat(100);

/** An API stand-in with the real app's not-found answer, plus the web app mounted after it. */
function appServing(dist: string) {
  const app = new Hono();
  app.get("/api/health", (c) => c.json({ status: "ok" }));
  app.notFound((c) => c.json({ code: "route.not_found", message: `No route ${c.req.method} ${c.req.path}.` }, 404));
  mountWebApp(app as unknown as Parameters<typeof mountWebApp>[0], dist);
  return app;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "vos-web-dist-"));
  const dist = path.join(root, "dist");
  await mkdir(path.join(dist, "assets"), { recursive: true });
  await writeFile(path.join(dist, "index.html"), "<!doctype html><title>app</title>");
  await writeFile(path.join(dist, "favicon.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>");
  await writeFile(path.join(dist, "assets", "index-AbC123.js"), SCRIPT);
  await writeFile(path.join(dist, "assets", "index-AbC123.js.gz"), gzipSync(SCRIPT));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("serving the web app", () => {
  it("serves index.html at / and for app paths, revalidated on every load", async () => {
    const app = appServing(path.join(root, "dist"));
    for (const url of ["/", "/library", "/some/deep/link?v=vid_1&t=3"]) {
      const response = await app.request(url);
      expect(response.status, url).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(response.headers.get("cache-control")).toBe("no-cache");
      expect(await response.text()).toBe("<!doctype html><title>app</title>");
    }
  });

  it("caches hashed assets for good and sends them precompressed when accepted", async () => {
    const app = appServing(path.join(root, "dist"));
    const plain = await app.request("/assets/index-AbC123.js");
    expect(plain.status).toBe(200);
    expect(plain.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(plain.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(await plain.text()).toBe(SCRIPT);

    const gzipped = await app.request("/assets/index-AbC123.js", { headers: { "accept-encoding": "gzip, deflate" } });
    expect(gzipped.headers.get("content-encoding")).toBe("gzip");
    expect(gzipped.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(Number(gzipped.headers.get("content-length"))).toBeLessThan(SCRIPT.length / 5);

    const icon = await app.request("/favicon.svg");
    expect(icon.headers.get("cache-control")).toBe("public, max-age=3600");
  });

  it("leaves /api to the API and answers 404 for missing assets", async () => {
    const app = appServing(path.join(root, "dist"));
    expect(await (await app.request("/api/health")).json()).toEqual({ status: "ok" });
    const unknown = await app.request("/api/nothing-here");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: "route.not_found" });
    const asset = await app.request("/assets/index-gone.js");
    expect(asset.status).toBe(404);
    expect(asset.headers.get("content-type")).toMatch(/json/);
    expect((await app.request("/", { method: "POST" })).status).toBe(404);
  });

  it("says how to build the app when the build is missing", async () => {
    const app = appServing(path.join(root, "not-built"));
    for (const url of ["/", "/library"]) {
      const response = await app.request(url);
      expect(response.status).toBe(503);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await response.text()).toContain("<code>npm run build:web</code>");
    }
    expect((await app.request("/api/health")).status).toBe(200);
  });
});
