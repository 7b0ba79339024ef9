import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { createLogger, VisibleError } from "@vos/core";
import { sql } from "drizzle-orm";
import type { ApiOptions } from "../context.js";
import { errorResponses, jsonResponse } from "../errors.js";

const log = createLogger({ component: "api" });

const health = createRoute({
  method: "get",
  path: "/health",
  summary: "Liveness and database reachability",
  responses: {
    200: jsonResponse(z.object({ status: z.literal("ok"), database: z.literal("ok"), model: z.string() }), "healthy"),
    ...errorResponses(503),
  },
});

export function healthRoutes(options: ApiOptions) {
  return new OpenAPIHono().openapi(health, async (c) => {
    try {
      await options.services.db.execute(sql`select 1`);
    } catch (error) {
      // An open route: the database's own words (host names, users) stay in the log.
      log.error("health check: database unreachable", { error });
      throw new VisibleError("database.unreachable", "The database is not reachable; the error was logged.", 503);
    }
    return c.json({ status: "ok" as const, database: "ok" as const, model: options.services.settings.clipModel }, 200);
  });
}
