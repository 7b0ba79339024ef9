import { tmpdir } from "node:os";
import path from "node:path";
import { VisibleError, errorMessage } from "../error.js";
import { loadCloudConfig, type CloudRole } from "./config.js";
import { POOL_SIZE } from "./database.js";
import { startCloudRuntime, type CloudRuntime, type CloudRuntimeOptions } from "./runtime.js";

/**
 * The Pinecone key bound to the function as the SST secret PINECONE_API_KEY. Imported only when
 * needed: `sst/node/config` fetches secrets from SSM as it loads.
 */
export async function pineconeKeyFromSst(): Promise<string> {
  try {
    const { Config } = await import("sst/node/config");
    const value = (Config as unknown as Record<string, string | undefined>).PINECONE_API_KEY;
    if (!value) throw new Error("the secret is empty");
    return value;
  } catch (error) {
    throw new VisibleError(
      "config.invalid",
      `PINECONE_API_KEY is not set and the SST secret PINECONE_API_KEY could not be read (${errorMessage(error)}): ` +
        "run `npx sst secrets set PINECONE_API_KEY <key>` and bind the secret to this function.",
      503,
      false,
    );
  }
}

const started = new Map<CloudRole, Promise<CloudRuntime>>();

/**
 * The composition of a Lambda function: configuration read once per instance, one database
 * connection, models cached under /tmp (the only writable folder), the Pinecone key from the
 * environment or the bound SST secret. Later invocations reuse it; a failed start is retried by
 * the next invocation.
 */
export function lambdaRuntime(role: CloudRole, options: CloudRuntimeOptions & { env?: NodeJS.ProcessEnv } = {}): Promise<CloudRuntime> {
  let runtime = started.get(role);
  if (!runtime) {
    const { env = process.env, ...rest } = options;
    runtime = Promise.resolve().then(() =>
      startCloudRuntime(loadCloudConfig(env, role), {
        pineconeApiKey: pineconeKeyFromSst,
        modelCacheDir: path.join(tmpdir(), "vos-models"),
        poolSize: POOL_SIZE.lambda,
        ...rest,
      }),
    );
    started.set(role, runtime);
    runtime.catch(() => started.delete(role));
  }
  return runtime;
}
