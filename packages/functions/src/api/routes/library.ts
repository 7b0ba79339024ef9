import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { Library } from "@vos/core";
import type { ApiOptions } from "../context.js";
import { errorResponses, jsonResponse, validationHook } from "../errors.js";

const status = createRoute({
  method: "get",
  path: "/reindex",
  summary: "The library's model, the configured one, and the latest re-index, video by video",
  responses: { 200: jsonResponse(Library.reindexStatusSchema, "the library now") },
});

const start = createRoute({
  method: "post",
  path: "/reindex",
  summary: "Re-index the library with another model, from the stored thumbnails and crops",
  description:
    "Every ready video's frames and objects are embedded again with the model named (default: the configured one), one job per video, while searches keep using the library's model. When every job has succeeded, the library switches to the new model at once and the old vectors are removed. Starting again while a re-index to the same model runs resumes it (its failed jobs get fresh attempts); a re-index to another model must finish first (409 reindex.running), and a re-index back to a model whose old vectors are being removed waits for that (409 reindex.removing_old_vectors). Without a model named, a configured model that cannot be loaded answers 503 with the reason (GET /reindex shows it as `configuredError`).",
  request: {
    body: {
      required: false,
      content: {
        "application/json": {
          schema: z.object({
            model: z.string().min(1).max(1000).optional().describe("the configured model (default) or one the library used before: its key, name or source"),
          }),
        },
      },
    },
  },
  responses: { 202: jsonResponse(Library.reindexStatusSchema, "started (or resumed, or nothing to do)"), ...errorResponses(400, 409, 422, 503) },
});

export function libraryRoutes(options: ApiOptions) {
  const svc = options.services;
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(status, async (c) => c.json(await Library.reindexStatus(svc, await options.tenantOf(c)), 200))
    .openapi(start, async (c) => {
      const tenant = await options.tenantOf(c);
      await Library.startReindex(svc, tenant, await Library.targetModel(svc, c.req.valid("json")?.model));
      return c.json(await Library.reindexStatus(svc, tenant), 202);
    });
}
