import { createLogger, isVisibleError, RateLimit } from "@vos/core";
import type { Context } from "hono";
import type { ApiOptions } from "./context.js";

const log = createLogger({ component: "api" });

/**
 * Runs a validated request's work on one token from the caller's bucket, and gives the token
 * back when the server failed to serve it (a 5xx, thrown or answered). Taking before the work
 * keeps a flood refused atomically; refunding after keeps a failure of ours free. A 4xx keeps its
 * token: the work was asked for (a picture that turns out not to be one included). Called after
 * validation, so a request refused as invalid writes nothing, not even to its bucket.
 */
export async function rateLimited<R extends Response>(
  c: Context,
  options: ApiOptions,
  bucket: RateLimit.Bucket,
  work: (tenant: string) => Promise<R>,
): Promise<R> {
  const { db, settings } = options.services;
  const tenant = await options.tenantOf(c);
  await RateLimit.take(db, tenant, bucket, settings.rateLimits);
  // A refund that fails (the database gone) must not hide the answer or the error being given.
  const refund = () =>
    RateLimit.refund(db, tenant, bucket, settings.rateLimits).catch((error: unknown) => log.warn("rate-limit refund failed", { tenant, bucket, error }));
  let response: R;
  try {
    response = await work(tenant);
  } catch (error) {
    if (!isVisibleError(error) || error.status >= 500) await refund();
    throw error;
  }
  if (response.status >= 500) await refund();
  return response;
}
