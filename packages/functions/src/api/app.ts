import { OpenAPIHono } from "@hono/zod-openapi";
import { requireToken } from "./auth.js";
import type { ApiOptions } from "./context.js";
import { onError, validationHook } from "./errors.js";
import { corsFor, securityHeaders } from "./security.js";
import { fileRoutes } from "./routes/files.js";
import { healthRoutes } from "./routes/health.js";
import { objectRoutes } from "./routes/objects.js";
import { searchRoutes } from "./routes/search.js";
import { videoRoutes } from "./routes/videos.js";

export type { ApiOptions } from "./context.js";

/**
 * The HTTP API: the same app object is served by @hono/node-server locally and by Lambda on AWS.
 * Routes live under /api; /api/openapi.json documents them from the same zod schemas that
 * validate requests.
 */
export function createApi(options: ApiOptions & { serveFiles?: boolean; corsOrigins?: string[] }) {
  const api = new OpenAPIHono({ defaultHook: validationHook });
  if (options.apiToken) api.use("*", requireToken(options.apiToken));
  api
    .route("/", healthRoutes(options))
    .route("/", videoRoutes(options))
    .route("/", searchRoutes(options))
    .route("/", objectRoutes(options));
  if (options.serveFiles) api.route("/", fileRoutes(options.services.blobs, options.tenantOf));
  api.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: "Video Object Search API", version: "0.1.0", description: "Upload videos, follow their processing, and search inside them by words or pictures." },
  });
  api.notFound((c) => c.json({ code: "route.not_found", message: `No route ${c.req.method} ${c.req.path}.` }, 404));
  api.onError(onError);

  const app = new OpenAPIHono();
  app.use("*", securityHeaders);
  if (options.corsOrigins?.length) app.use("/api/*", corsFor(options.corsOrigins));
  app.route("/api", api);
  app.notFound((c) => c.json({ code: "route.not_found", message: `No route ${c.req.method} ${c.req.path}.` }, 404));
  app.onError(onError);
  return app;
}
