import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { ApiOptions } from "../context.js";

const health = createRoute({
  method: "get",
  path: "/health",
  summary: "Liveness and database reachability",
  responses: {
    200: { description: "healthy", content: { "application/json": { schema: z.object({ status: z.literal("ok"), database: z.literal("ok"), model: z.string() }) } } },
    503: { description: "unhealthy", content: { "application/json": { schema: z.object({ status: z.literal("error"), database: z.string() }) } } },
  },
});

export function healthRoutes(options: ApiOptions) {
  return new OpenAPIHono().openapi(health, async (c) => {
    try {
      await options.services.db.execute(sql`select 1`);
    } catch (error) {
      return c.json({ status: "error" as const, database: error instanceof Error ? error.message : "unreachable" }, 503);
    }
    return c.json({ status: "ok" as const, database: "ok" as const, model: options.services.settings.clipModel }, 200);
  });
}
