import { createApi } from "@vos/functions/api/app";
import type { EmbeddedRuntime } from "@vos/core/runtime/embedded";

/**
 * The local API: the Hono app over the embedded runtime, with the files route for thumbnails.
 * `inProcess`: the caller is this process's own CLI, which holds the data folder (and its lock)
 * and so acts as VOS_TENANT without signing in; only `vos serve` checks sign-in.
 */
export function localApi(runtime: EmbeddedRuntime, options: { inProcess?: boolean } = {}) {
  return createApi({
    services: runtime.services,
    tenantOf: () => runtime.config.tenant,
    serveFiles: true,
    ...(runtime.config.apiToken ? { apiToken: runtime.config.apiToken } : {}),
    ...(runtime.config.auth && !options.inProcess ? { jwt: { auth: runtime.config.auth } } : {}),
  });
}
