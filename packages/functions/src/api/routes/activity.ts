import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { Job } from "@vos/core";
import type { ApiOptions } from "../context.js";
import { jsonResponse, validationHook } from "../errors.js";

const activity = createRoute({
  method: "get",
  path: "/activity",
  summary: "The fleet at a glance: jobs by state, workers running now, throughput, time left per video, recent failures",
  responses: { 200: jsonResponse(Job.activitySchema, "the tenant's processing, now") },
});

export function activityRoutes(options: ApiOptions) {
  return new OpenAPIHono({ defaultHook: validationHook }).openapi(activity, async (c) => c.json(await Job.activity(options.services.db, await options.tenantOf(c)), 200));
}
