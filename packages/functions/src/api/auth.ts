import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { authErrors } from "./auth-errors.js";
import type { Caller, VerifyToken } from "./jwt.js";

export { authErrors } from "./auth-errors.js";

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/** Compares in constant time: both sides are hashed to the same length first. */
export function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** Routes anyone may call: liveness probes, and how to sign in. */
const isOpen = (c: Context) => c.req.method === "GET" && (c.req.path === "/api/health" || c.req.path === "/api/auth");

/**
 * The bearer token of a request: the Authorization header, or for stored files `?token=`, because
 * a browser's <img> and <video> cannot send headers; those are read-only GETs of one tenant's
 * files, and the app's Referrer-Policy keeps the URL from leaking to other sites. A malformed
 * header throws; no token at all gives undefined.
 */
function bearerOf(c: Context, malformed: () => Error): string | undefined {
  const header = c.req.header("authorization");
  if (header !== undefined) {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!match) throw malformed();
    return match[1]!;
  }
  if ((c.req.method === "GET" || c.req.method === "HEAD") && c.req.path.startsWith("/api/files/")) return c.req.query("token") || undefined;
  return undefined;
}

/**
 * The optional bearer token of the local API (VOS_API_TOKEN). Every route needs
 * `Authorization: Bearer <token>` except `GET /api/health` and `GET /api/auth`.
 */
export function requireToken(token: string): MiddlewareHandler {
  return async (c, next) => {
    if (isOpen(c)) return next();
    const given = bearerOf(c, () => authErrors.invalid());
    if (given === undefined) {
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

declare module "hono" {
  interface ContextVariableMap {
    /** Set by `requireJwt` once the request's token is verified. */
    caller: Caller;
  }
}

/**
 * Sign-in with user pool JWTs: every route but the open ones needs a valid token, and the caller
 * it names (with their tenant) is kept on the request for `callerTenant`. Checked here even behind
 * the gateway's authorizer: one code path everywhere, and no trust in how the function is reached.
 */
export function requireJwt(verify: VerifyToken): MiddlewareHandler {
  return async (c, next) => {
    if (isOpen(c)) return next();
    const token = bearerOf(c, () => {
      c.header("www-authenticate", 'Bearer realm="vos", error="invalid_request"');
      return authErrors.signInInvalid();
    });
    if (token === undefined) {
      c.header("www-authenticate", 'Bearer realm="vos"');
      throw authErrors.signInMissing();
    }
    try {
      c.set("caller", await verify(token));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === "auth.expired") c.header("www-authenticate", 'Bearer realm="vos", error="invalid_token", error_description="The token has expired"');
      else if (code === "auth.invalid") c.header("www-authenticate", 'Bearer realm="vos", error="invalid_token"');
      throw error;
    }
    return next();
  };
}

/** The signed-in caller's tenant (`tenantOf` of an API behind `requireJwt`). */
export function callerTenant(c: Context): string {
  const caller = c.get("caller") as Caller | undefined;
  // Only reachable on a route `requireJwt` let through unchecked: a wiring fault, not the caller's.
  if (!caller) throw new Error("No signed-in caller on this request: is the route open by mistake?");
  return caller.tenant;
}
