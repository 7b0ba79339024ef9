import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { Job } from "@vos/core";
import type { ApiOptions } from "../context.js";
import { errorResponses, jsonResponse, validationHook } from "../errors.js";

const activity = createRoute({
  method: "get",
  path: "/activity",
  summary: "The fleet at a glance: jobs by state, workers running now, throughput, time left per video, recent failures, dead letters",
  responses: { 200: jsonResponse(Job.activitySchema, "the tenant's processing, now") },
});

const redrive = createRoute({
  method: "post",
  path: "/dead-letters/{id}/redrive",
  summary: "Send a dead letter back to the jobs queue: its job runs again with fresh attempts",
  description:
    "The job that gave up is revived when a worker takes the message (its video is queued again, keeping what other segments indexed); a job whose video was deleted since is dropped then. AWS: the message moves from the dead-letter queue to the jobs queue; the local runtime makes its dead job deliverable again.",
  request: { params: z.object({ id: z.string().min(1).max(200).describe("the dead letter's id, from GET /activity") }) },
  responses: { 200: jsonResponse(z.object({ deadLetter: Job.deadLetterSchema }), "sent back to the jobs queue"), ...errorResponses(404) },
});

export function activityRoutes(options: ApiOptions) {
  const svc = options.services;
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(activity, async (c) => c.json(await Job.activity(svc, await options.tenantOf(c)), 200))
    .openapi(redrive, async (c) => c.json({ deadLetter: await Job.redrive(svc, await options.tenantOf(c), c.req.valid("param").id) }, 200));
}
