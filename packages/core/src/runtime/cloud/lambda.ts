import { tmpdir } from "node:os";
import path from "node:path";
import { loadCloudConfig, type CloudRole } from "./config.js";
import { POOL_SIZE } from "./database.js";
import { memoise } from "../../util/memo.js";
import { startCloudRuntime, type CloudRuntime, type CloudRuntimeOptions } from "./runtime.js";

/** One runtime per role and instance: the options of the first call make it. */
const started = new Map<CloudRole, () => Promise<CloudRuntime>>();

/**
 * The composition of a Lambda function: configuration read once per instance, one database
 * connection, models cached under /tmp (the only writable folder), the Pinecone key from the
 * environment or `options.pineconeApiKey` (the handlers pass the bound SST secret). Later
 * invocations reuse it; a failed start is retried by the next invocation.
 */
export function lambdaRuntime(role: CloudRole, options: CloudRuntimeOptions & { env?: NodeJS.ProcessEnv } = {}): Promise<CloudRuntime> {
  let runtime = started.get(role);
  if (!runtime) {
    const { env = process.env, ...rest } = options;
    runtime = memoise(async () => startCloudRuntime(loadCloudConfig(env, role), { modelCacheDir: path.join(tmpdir(), "vos-models"), poolSize: POOL_SIZE.lambda, ...rest }));
    started.set(role, runtime);
  }
  return runtime();
}
