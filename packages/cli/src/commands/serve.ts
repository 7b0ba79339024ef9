import { serve as listen } from "@hono/node-server";
import { createLogger, loadConfig } from "@vos/core";
import { startEmbeddedRuntime } from "@vos/core/runtime";
import { localApi } from "../connect.js";

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
