/**
 * The API as `vos serve` runs it (@hono/node-server over the embedded runtime), in a process of
 * its own so a test can read the server's memory and nothing else's. Started by `startApiProcess`
 * with the settings as its argument; it answers over IPC:
 *   { ask: "memory" }            -> RSS now and its peak since the last ask (sampled every 5 ms)
 *   { ask: "state" }             -> every table's row count and the rate-limit buckets
 *   { ask: "failUploads", on }   -> registrations fail (the upload service throws) while on
 *   { ask: "hideVideos", on }    -> the video table is renamed away while on: every query on it fails
 */
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { loadConfig } from "@vos/core";
import { startEmbeddedRuntime } from "@vos/core/runtime/embedded";
import { sql } from "drizzle-orm";
import { createApi } from "../../src/api/app.js";

export interface Memory {
  rss: number;
  peak: number;
}
export interface DatabaseState {
  rows: Record<string, number>;
  buckets: { tenant_id: string; bucket: string; tokens: number }[];
}

type Ask = { id: number; ask: "memory" } | { id: number; ask: "state" } | { id: number; ask: "failUploads" | "hideVideos"; on: boolean };

async function main(env: Record<string, string>) {
  const runtime = await startEmbeddedRuntime(loadConfig(env), { workers: false });
  const svc = runtime.services;
  let failUploads = false;
  const uploads = {
    ...svc.uploads,
    start: async (video: Parameters<typeof svc.uploads.start>[0]) => {
      if (failUploads) throw new Error("the upload service is unavailable (test fault)");
      return svc.uploads.start(video);
    },
  };
  // `x-tenant` lets a test give a case a bucket of its own.
  const app = createApi({ services: { ...svc, uploads }, tenantOf: (c) => c.req.header("x-tenant") ?? "local", serveFiles: true });
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", resolve));

  let peak = process.memoryUsage.rss();
  setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5).unref();

  const rows = async <T>(query: string) => ((await svc.db.execute(sql.raw(query))) as unknown as { rows: T[] }).rows;
  async function state(): Promise<DatabaseState> {
    const tables = await rows<{ name: string }>("select table_name as name from information_schema.tables where table_schema = 'public' order by 1");
    const counts: Record<string, number> = {};
    for (const { name } of tables) counts[name] = (await rows<{ n: number }>(`select count(*)::int as n from "${name}"`))[0]!.n;
    return { rows: counts, buckets: await rows("select tenant_id, bucket, tokens from rate_limit order by 1, 2") };
  }

  process.on("message", async (message: Ask) => {
    if (message.ask === "memory") {
      const rss = process.memoryUsage.rss();
      process.send!({ id: message.id, answer: { rss, peak: Math.max(peak, rss) } });
      peak = rss;
    } else if (message.ask === "state") {
      process.send!({ id: message.id, answer: await state() });
    } else if (message.ask === "failUploads") {
      failUploads = message.on;
      process.send!({ id: message.id, answer: true });
    } else {
      await svc.db.execute(sql.raw(message.on ? "alter table video rename to video_hidden" : "alter table video_hidden rename to video"));
      process.send!({ id: message.id, answer: true });
    }
  });
  process.on("disconnect", () => {
    server.close();
    void runtime.close().then(() => process.exit(0));
  });
  process.send!({ port: (server.address() as { port: number }).port });
}

export interface ApiProcess {
  port: number;
  memory(): Promise<Memory>;
  state(): Promise<DatabaseState>;
  failUploads(on: boolean): Promise<void>;
  hideVideos(on: boolean): Promise<void>;
  /** What the server logged (JSON lines on stderr). */
  log(): string;
  close(): Promise<void>;
}

/** Starts this file as a child process with `env` as its settings. */
export async function startApiProcess(env: Record<string, string>): Promise<ApiProcess> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [JSON.stringify(env)], {
    execArgv: ["--import", "tsx"],
    cwd: path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../.."),
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (message: { port: number }) => resolve(message.port));
    child.once("exit", (code) => reject(new Error(`the API process exited (${code}) before listening:\n${stderr}`)));
  });
  let next = 0;
  const ask = <T>(message: Record<string, unknown>) =>
    new Promise<T>((resolve) => {
      const id = ++next;
      const listen = (reply: { id?: number; answer: T }) => {
        if (reply.id !== id) return;
        child.off("message", listen);
        resolve(reply.answer);
      };
      child.on("message", listen);
      child.send({ ...message, id });
    });
  return {
    port,
    memory: () => ask<Memory>({ ask: "memory" }),
    state: () => ask<DatabaseState>({ ask: "state" }),
    failUploads: async (on) => void (await ask<boolean>({ ask: "failUploads", on })),
    hideVideos: async (on) => void (await ask<boolean>({ ask: "hideVideos", on })),
    log: () => stderr,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.disconnect();
      }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send) void main(JSON.parse(process.argv[2]!) as Record<string, string>);
