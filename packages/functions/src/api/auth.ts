import { createHash, timingSafeEqual } from "node:crypto";
import { VisibleError } from "@vos/core";
import type { MiddlewareHandler } from "hono";

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/** Compares in constant time: both sides are hashed to the same length first. */
export function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

export const authErrors = {
  missing: () =>
    new VisibleError("auth.missing", "This server needs its access token: send 'Authorization: Bearer <token>' (the CLI sends VOS_API_TOKEN).", 401),
  invalid: () => new VisibleError("auth.invalid", "The access token is wrong: use the server's VOS_API_TOKEN.", 401),
};

/**
 * The optional bearer token of the local API. Every route needs `Authorization: Bearer <token>`
 * except `GET /api/health` (liveness probes). Stored files also take `?token=`, because a
 * browser's <img> and <video> cannot send headers; those are read-only GETs of one tenant's
 * files, and the app's Referrer-Policy keeps the URL from leaking to other sites.
 */
export function requireToken(token: string): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === "GET" && c.req.path === "/api/health") return next();
    const header = c.req.header("authorization");
    let given: string | undefined;
    if (header !== undefined) {
      const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
      if (!match) throw authErrors.invalid();
      given = match[1]!;
    } else if ((c.req.method === "GET" || c.req.method === "HEAD") && c.req.path.startsWith("/api/files/")) {
      given = c.req.query("token");
    }
    if (given === undefined || given === "") {
      c.header("www-authenticate", 'Bearer realm="vos"');
      throw authErrors.missing();
    }
    if (!sameToken(given, token)) {
      c.header("www-authenticate", 'Bearer realm="vos", error="invalid_token"');
      throw authErrors.invalid();
    }
    return next();
  };
}
