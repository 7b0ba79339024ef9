import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

/**
 * What the served web app may load: its own scripts, styles and API; images also from blob:
 * (a dropped search image) and data:; media (playback) from this origin only; never framed.
 */
export function contentSecurityPolicy(connectOrigins: string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob: data:",
    "media-src 'self'",
    ["connect-src 'self'", ...connectOrigins].join(" "),
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

/**
 * Security headers on every response; a response that set its own policy keeps it. `connectOrigins`
 * are other origins the web app may call (the Cognito endpoint it signs in with).
 */
export function securityHeaders(connectOrigins: string[] = []): MiddlewareHandler {
  const headers: Record<string, string> = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "content-security-policy": contentSecurityPolicy(connectOrigins),
  };
  return async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(headers)) if (!c.res.headers.has(name)) c.res.headers.set(name, value);
  };
}

/**
 * CORS for the configured web origins only (the StaticSite on AWS, VOS_WEB_ORIGIN); with none,
 * no CORS headers at all, so only the same origin can read answers (the local app).
 */
export function corsFor(origins: string[]): MiddlewareHandler {
  return cors({
    origin: origins.includes("*") ? "*" : origins,
    allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
    allowHeaders: ["content-type", "content-range", "authorization"],
    maxAge: 600,
  });
}
