import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve as listen } from "@hono/node-server";
import { serveStatic } from "@hono/node-server/serve-static";
import { createLogger, loadConfig } from "@vos/core";
import { startEmbeddedRuntime } from "@vos/core/runtime/embedded";
import { localApi } from "../local-api.js";

/** The built web UI (`npm run build:web` writes it). */
export const WEB_DIST = fileURLToPath(new URL("../../../web/dist/", import.meta.url));

const MISSING_BUILD = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Video Object Search: web app not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#141824}code{background:#f0f2f7;padding:2px 6px;border-radius:4px}</style>
</head><body>
<h1>The web app is not built yet</h1>
<p>Run <code>npm run build:web</code> in the repository, then reload this page. (<code>npm install</code> builds it too.)</p>
<p>The API is running: <a href="/api/health">/api/health</a>, documented at <a href="/api/openapi.json">/api/openapi.json</a>.</p>
</body></html>`;

/** Hashed build assets never change under their name; the page itself is revalidated. */
function cacheControl(requestPath: string): string {
  if (requestPath.startsWith("/assets/")) return "public, max-age=31536000, immutable";
  if (requestPath === "/" || requestPath === "/index.html") return "no-cache";
  return "public, max-age=3600";
}

/**
 * Serves the built web UI at `/` after the API routes: files from `dist` (precompressed .br/.gz
 * when the browser accepts them), index.html for any other path outside /api (the app routes in
 * the browser), and a page that says how to build it when the build is missing.
 */
export function mountWebApp(app: ReturnType<typeof localApi>, dist: string = WEB_DIST): void {
  const index = path.join(dist, "index.html");
  let handlers: { files: ReturnType<typeof serveStatic>; shell: ReturnType<typeof serveStatic> } | undefined;
  const none = async () => {};
  app.on(["GET", "HEAD"], "*", async (c, next) => {
    if (c.req.path === "/api" || c.req.path.startsWith("/api/")) return next();
    if (!existsSync(index)) {
      // Its one inline style block is all this page needs.
      return c.html(MISSING_BUILD, 503, { "cache-control": "no-store", "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'" });
    }
    handlers ??= {
      files: serveStatic({ root: dist, precompressed: true }),
      shell: serveStatic({ root: dist, path: "index.html", precompressed: true }),
    };
    const file = await handlers.files(c, none);
    if (file) {
      file.headers.set("cache-control", cacheControl(c.req.path));
      return file;
    }
    // A missing asset is a 404, not the app's page (a browser would parse HTML as a script).
    if (c.req.path.startsWith("/assets/")) return next();
    const shell = await handlers.shell(c, none);
    if (!shell) return next();
    shell.headers.set("cache-control", "no-cache");
    return shell;
  });
}

/**
 * `vos serve` (what `npm start` runs): the embedded runtime, its worker pool and the HTTP API on
 * one port. Stops cleanly on SIGINT/SIGTERM: running jobs go back to the queue and resume at the
 * next start.
 */
export async function serve(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ runtime: "embedded" });
  const runtime = await startEmbeddedRuntime(config, { log });
  const app = localApi(runtime);
  mountWebApp(app);
  const server = listen({ fetch: app.fetch, port: config.port, hostname: config.host });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  }).catch(async (error: NodeJS.ErrnoException) => {
    await runtime.close();
    throw error.code === "EADDRINUSE" ? new Error(`Port ${config.port} is in use: stop what uses it or set PORT to another port.`) : error;
  });
  const url = `http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${config.port}`;
  log.info("listening", { url, dataDir: config.dataDir, model: config.clipModel, workers: config.workers });
  process.stderr.write(`Video Object Search is running at ${url} (API: ${url}/api, docs: ${url}/api/openapi.json)\n`);
  if (!existsSync(path.join(WEB_DIST, "index.html"))) {
    process.stderr.write("The web app is not built, so / shows how to build it: run npm run build:web.\n");
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info("shutting down", { signal });
    server.close();
    await runtime.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}
