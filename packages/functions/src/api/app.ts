import { OpenAPIHono } from "@hono/zod-openapi";
import { callerTenant, requireJwt, requireToken } from "./auth.js";
import { COMPLETE_BODY_BYTES, defaultBodyLimit, limitBody } from "./body-limit.js";
import { DEFAULT_MAX_IMAGE_BYTES, type ApiOptions } from "./context.js";
import { onError, validationHook } from "./errors.js";
import { createJwtVerifier } from "./jwt.js";
import { corsFor, securityHeaders } from "./security.js";
import { activityRoutes } from "./routes/activity.js";
import { authRoutes } from "./routes/auth.js";
import { fileRoutes } from "./routes/files.js";
import { healthRoutes } from "./routes/health.js";
import { libraryRoutes } from "./routes/library.js";
import { validPathEncoding } from "./path.js";
import { objectRoutes } from "./routes/objects.js";
import { imageBodyLimit, searchRoutes } from "./routes/search.js";
import { uploadLimit, videoRoutes } from "./routes/videos.js";

export type { ApiOptions } from "./context.js";

/**
 * The HTTP API: the same app object is served by @hono/node-server locally and by Lambda on AWS.
 * Routes live under /api; /api/openapi.json documents them from the same zod schemas that
 * validate requests.
 */
export function createApi(given: ApiOptions & { serveFiles?: boolean; corsOrigins?: string[] }) {
  if (given.jwt && given.apiToken) throw new Error("Choose one way to sign in: an API token or user pool JWTs.");
  // Signed-in callers each work in the tenant their token names.
  const options = given.jwt ? { ...given, tenantOf: callerTenant } : given;
  const api = new OpenAPIHono({ defaultHook: validationHook });
  if (options.jwt) api.use("*", requireJwt(options.jwt.verify ?? createJwtVerifier(options.jwt.auth)));
  else if (options.apiToken) api.use("*", requireToken(options.apiToken));
  api.use("*", validPathEncoding);
  // One body limit per route, checked before anything reads the body. Routes that take more
  // than the small JSON default say so here; every other route, and any route added later,
  // gets the default (registered after the routes' own limits, it stands aside where one ran).
  api.on("PUT", "/videos/:id/upload", uploadLimit(options));
  api.on("POST", "/videos/:id/complete", limitBody(COMPLETE_BODY_BYTES));
  api.on("POST", "/search/image", imageBodyLimit(options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES));
  api.use("*", defaultBodyLimit());
  api
    .route("/", healthRoutes(options))
    .route("/", authRoutes(options))
    .route("/", videoRoutes(options))
    .route("/", searchRoutes(options))
    .route("/", objectRoutes(options))
    .route("/", activityRoutes(options))
    .route("/", libraryRoutes(options));
  if (options.serveFiles) api.route("/", fileRoutes(options.services.blobs, options.tenantOf));
  api.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: "Video Object Search API", version: "0.1.0", description: "Upload videos, follow their processing, and search inside them by words or pictures." },
  });
  api.notFound((c) => c.json({ code: "route.not_found", message: `No route ${c.req.method} ${c.req.path}.` }, 404));
  api.onError(onError);

  const app = new OpenAPIHono();
  // The served web app signs in straight to Cognito: let it reach that endpoint too.
  app.use("*", securityHeaders(options.jwt ? [new URL(options.jwt.auth.endpoint).origin] : []));
  if (options.corsOrigins?.length) app.use("/api/*", corsFor(options.corsOrigins));
  app.route("/api", api);
  app.notFound((c) => c.json({ code: "route.not_found", message: `No route ${c.req.method} ${c.req.path}.` }, 404));
  app.onError(onError);
  return app;
}
