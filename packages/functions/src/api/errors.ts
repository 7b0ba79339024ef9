import type { Hook } from "@hono/zod-openapi";
import { createLogger, isVisibleError, RateLimit, storageFull } from "@vos/core";
import type { Context, Env } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError, z } from "zod";

const log = createLogger({ component: "api" });

export const errorSchema = z.object({
  code: z.string().describe("stable dotted code, e.g. video.not_found"),
  message: z.string().describe("what went wrong and what to do"),
});

/** OpenAPI responses for error statuses: each answers `{ code, message }`. */
export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, { description: "error", content: { "application/json": { schema: errorSchema } } }]));

/** An OpenAPI JSON response. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

/** Readable summary of zod issues: `sizeBytes: Too small: expected number to be >=0`. */
export function describeIssues(error: ZodError): string {
  return error.issues.map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message)).join("; ");
}

/** Request validation failures answer 400 with the fields at fault. */
export const validationHook: Hook<unknown, Env, string, unknown> = (result, c) => {
  if (!result.success) {
    return c.json({ code: "request.invalid", message: `Invalid ${result.target}: ${describeIssues(result.error)}` }, 400);
  }
  return undefined;
};

/** Every error leaves as `{ code, message }`: visible errors with their status, others as 500. */
export function onError(error: Error, c: Context): Response {
  if (error instanceof RateLimit.RateLimited) c.header("retry-after", String(error.retryAfterSec));
  if (isVisibleError(error)) return c.json({ code: error.code, message: error.message }, error.status);
  // A full disk, however deep it was wrapped (drizzle wraps the database's error): 507 in words.
  const full = storageFull(error);
  if (full) {
    log.warn("storage full", { path: c.req.path, method: c.req.method, error: full.message });
    return c.json({ code: full.code, message: full.message }, full.status);
  }
  if (error instanceof ZodError) return c.json({ code: "request.invalid", message: describeIssues(error) }, 400);
  if (error instanceof HTTPException) {
    // Hono raises these for bodies it cannot parse (malformed JSON among them).
    const malformed = /json/i.test(error.message);
    return c.json(
      { code: malformed ? "request.malformed_json" : "request.invalid", message: malformed ? "The request body is not valid JSON." : error.message },
      error.status as ContentfulStatusCode,
    );
  }
  // A failed query's parameters are what the caller sent: the log gets the SQL without them.
  log.error("unhandled error", { path: c.req.path, method: c.req.method, error });
  return c.json({ code: "internal", message: "Something went wrong on our side; the error was logged." }, 500);
}
