import { Video, VisibleError } from "@vos/core";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";

/**
 * Every request body has a limit that fits its route, checked before the body is parsed: from
 * Content-Length without reading a byte, else by counting a chunked body as it streams in. A
 * route with no limit of its own gets DEFAULT_BODY_BYTES, so a new route cannot forget one.
 */

/** Any JSON body the schemas accept (a 1,000-character search, a 255-character file name) fits with room to spare. */
export const DEFAULT_BODY_BYTES = 64 * 1024;

/**
 * Completing an S3 upload lists up to Video.MAX_PARTS (10,000) parts. One at the schema's maximum:
 *   {"partNumber":10000,"etag":""},   31 bytes of framing
 *   a 200-character ETag, escaped    400 bytes (S3's own ETags are 34 ASCII characters)
 * 10,000 x 431 = 4.3 MB, rounded up to 5 MiB: under Lambda's 6 MB event with its envelope.
 */
const MiB = 1024 * 1024;
export const COMPLETE_BODY_BYTES = Math.ceil((Video.MAX_PARTS * (31 + 2 * Video.MAX_ETAG_CHARS)) / MiB) * MiB;

/** 10 bytes, 64 KB, 5.2 MB (binary units, as the media limits are written). */
export function readableBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} byte${bytes === 1 ? "" : "s"}`;
  if (bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, "")} MB`;
}

/** The body size the client declared; undefined for a chunked body (Transfer-Encoding wins over Content-Length). */
export function declaredLength(c: Context): number | undefined {
  if (c.req.header("transfer-encoding")) return undefined;
  const declared = Number(c.req.header("content-length"));
  return Number.isSafeInteger(declared) && declared >= 0 ? declared : undefined;
}

/** 413 naming the limit; `size` when Content-Length told it, else the body was counted past the limit. */
export function requestTooLarge(limit: number, size?: number, why?: string): VisibleError {
  const shown = size === undefined ? `over ${readableBytes(limit)}` : readableBytes(size);
  return new VisibleError("request.too_large", `The request body is ${shown}; the limit here is ${readableBytes(limit)}${why ? ` (${why})` : ""}.`, 413);
}

/** Contexts whose route set its own limit: the default stands aside for them. */
const limited = new WeakSet<Context>();

/**
 * A route's own limit, through Hono's bodyLimit (which buffers at most `maxBytes` of a chunked
 * body). `tooLarge` names the route's own error (the picture search answers image.too_large).
 */
export function limitBody(maxBytes: number, tooLarge: (size?: number) => Error = (size) => requestTooLarge(maxBytes, size)): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      throw tooLarge(declaredLength(c));
    },
  });
  return (c, next) => {
    limited.add(c);
    return limit(c, next);
  };
}

/** Routes without a limit of their own: registered after every route's own limit. */
export function defaultBodyLimit(): MiddlewareHandler {
  const limit = limitBody(DEFAULT_BODY_BYTES);
  return (c, next) => (limited.has(c) ? next() : limit(c, next));
}

/** What one upload PUT may carry, and why. */
export interface UploadLimit {
  bytes: number;
  why: string;
}

/**
 * The local upload PUT streams to the blob store, which stops at the expected size itself
 * (`maxBytes`), so nothing here buffers it: a Content-Length over what this PUT may carry is
 * refused before a byte is read.
 */
export function uploadBodyLimit(expected: (c: Context) => Promise<UploadLimit>): MiddlewareHandler {
  return async (c, next) => {
    limited.add(c);
    const declared = declaredLength(c);
    if (declared !== undefined) {
      const limit = await expected(c);
      if (declared > limit.bytes) throw requestTooLarge(limit.bytes, declared, limit.why);
    }
    return next();
  };
}
