import path from "node:path";
import { setFlagsFromString } from "node:v8";
import type { Config } from "@vos/core";
import type { EmbeddedRuntime } from "@vos/core/runtime/embedded";
import { ApiError } from "@vos/contract";
import { credentialsFor } from "./auth/credentials.js";
import { createTokenStore } from "./auth/token-store.js";
import { createClient, type Client } from "./client.js";

/** VOS_API_URL as a normalised URL (the key of stored sign-ins), or undefined when unset. */
export function apiUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const remote = env.VOS_API_URL?.trim();
  if (!remote) return undefined;
  try {
    return new URL(remote).toString();
  } catch {
    throw new ApiError("cli.bad_api_url", `VOS_API_URL=${JSON.stringify(remote)} is not a URL: set it like http://localhost:3000, or unset it to run without a server.`, 0);
  }
}

export interface Connection {
  client: Client;
  /** Who answers: the API's URL, or the data folder this process opened (resume records name it). */
  identity: string;
  /** Set when this process runs the embedded runtime itself (no VOS_API_URL). */
  runtime?: EmbeddedRuntime;
  close(): Promise<void>;
}

/**
 * Talks to a running server when VOS_API_URL is set; otherwise opens the data folder itself
 * (taking its lock) and calls the same API in process. `workers` starts the in-process worker
 * pool, for commands that wait for processing.
 */
export async function connect(options: { workers: boolean; env?: NodeJS.ProcessEnv }): Promise<Connection> {
  const env = options.env ?? process.env;
  const remote = apiUrl(env);
  if (remote) {
    // VOS_API_TOKEN, else the `vos login` stored for this API (refreshed as it nears expiry).
    const credentials = await credentialsFor(remote, env, createTokenStore(env));
    return { client: createClient(remote, (request) => fetch(request), credentials), identity: remote, close: async () => {} };
  }
  // A command that runs no workers lives a second or two and runs no detector: V8's baseline code
  // for PGlite's WebAssembly is all it needs (its optimising compiler would cost about 0.4 s of CPU
  // more). Set before PGlite compiles; `vos serve` and --wait keep bin/bundle.js's tiering.
  if (!options.workers) setFlagsFromString("--liftoff-only");
  // Loaded only here: a command against a server never loads the database, the models or the API.
  const [{ loadConfig }, { startEmbeddedRuntime }, { localApi }] = await Promise.all([
    import("@vos/core"),
    import("@vos/core/runtime/embedded"),
    import("./local-api.js"),
  ]);
  // The in-process API reads VOS_API_TOKEN too, and so wants it sent.
  const token = env.VOS_API_TOKEN?.trim() || undefined;
  const config: Config = loadConfig(env);
  // Commands print results on stdout: keep routine logs quiet unless a level was asked for.
  if (!env.VOS_LOG_LEVEL) config.logLevel = "warn";
  const runtime = await startEmbeddedRuntime(config, { workers: options.workers });
  const app = localApi(runtime, { inProcess: true });
  // URLs in results point where `vos serve` on this data folder answers.
  const base = `http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${config.port}/`;
  return {
    client: createClient(base, async (request) => app.fetch(request), token),
    identity: `data:${path.resolve(config.dataDir)}`,
    runtime,
    close: () => runtime.close(),
  };
}
