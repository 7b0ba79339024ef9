import { VisibleError } from "@vos/core";
import type { MiddlewareHandler } from "hono";

const invalidPath = () => new VisibleError("request.invalid", "The path is not valid percent-encoding (a lone '%' or a sequence that is not UTF-8).", 400);

/** Percent-decoded path segments, or 400 where the encoding is broken. */
export function decodeSegments(path: string): string[] {
  try {
    return path.split("/").map(decodeURIComponent);
  } catch {
    throw invalidPath();
  }
}

/**
 * Refuses a path that is not valid percent-encoding before any route decodes it (`/api/files/%`,
 * `%E0%A4%A`): otherwise each decoder would meet it on its own, or route it half-decoded.
 */
export const validPathEncoding: MiddlewareHandler = (c, next) => {
  decodeSegments(new URL(c.req.url).pathname);
  return next();
};
