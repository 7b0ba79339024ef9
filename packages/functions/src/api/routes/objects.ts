import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { Label, Objects, Search, textField, Tracks, Video } from "@vos/core";
import type { ApiOptions } from "../context.js";
import { errorResponses, jsonResponse, validationHook } from "../errors.js";
import { rateLimited } from "../rate-limit.js";

const objectParam = z.object({ objectId: textField().min(1).max(200).describe("object id, `<videoId>#o<frameNo>.<k>`, URL-encoded") });

const list = createRoute({
  method: "get",
  path: "/videos/{id}/objects",
  summary: "Objects found in a video, with boxes and labels (explicit, propagated, probable)",
  request: { params: z.object({ id: Video.idSchema }), query: z.object({ probable: z.enum(["true", "false"]).default("true") }) },
  responses: { 200: jsonResponse(z.object({ objects: z.array(Label.labelledObjectSchema) }), "objects"), ...errorResponses(404) },
});

const tracks = createRoute({
  method: "get",
  path: "/videos/{id}/tracks",
  summary: "Tracks in a video: each object followed from frame to frame, with its box in each sampled frame",
  request: { params: z.object({ id: Video.idSchema }) },
  responses: { 200: jsonResponse(z.object({ tracks: z.array(Tracks.trackSchema) }), "tracks, in order of their start"), ...errorResponses(404) },
});

const similar = createRoute({
  method: "post",
  path: "/objects/{objectId}/similar",
  summary: "Objects that look like this one, from its stored vector",
  request: { params: objectParam, body: { required: false, content: { "application/json": { schema: Search.similarSchema } } } },
  responses: { 200: jsonResponse(z.object({ hits: z.array(Search.objectHitSchema) }), "similar objects, best first"), ...errorResponses(400, 404, 413, 429) },
});

const labelledSchema = z.object({
  label: Label.labelSchema,
  track: z.string().describe("the object's track, labelled along with it"),
  propagatedTo: z.array(z.string()).describe("every other object the label went to: the rest of the track, near-duplicates and their tracks"),
  carriedToTracks: z.array(z.string()).describe("the near-duplicates' tracks the label was carried to (not the object's own)"),
});

const setLabel = createRoute({
  method: "put",
  path: "/objects/{objectId}/labels",
  summary: "Label an object and its track positive or negative (positive labels also go to near-duplicates and their tracks)",
  request: { params: objectParam, body: { required: true, content: { "application/json": { schema: Label.setSchema } } } },
  responses: { 200: jsonResponse(labelledSchema, "labelled"), ...errorResponses(400, 404, 413, 507) },
});

const removeLabel = createRoute({
  method: "delete",
  path: "/objects/{objectId}/labels/{label}",
  summary: "Remove a label from an object",
  request: { params: objectParam.extend({ label: textField().min(1).max(100) }) },
  responses: { 200: jsonResponse(z.object({ removed: z.boolean() }), "removed"), ...errorResponses(404) },
});

export function objectRoutes(options: ApiOptions) {
  const svc = options.services;
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(list, async (c) =>
      c.json({ objects: await Label.objectsOfVideo(svc, await options.tenantOf(c), c.req.valid("param").id, { probable: c.req.valid("query").probable === "true" }) }, 200),
    )
    .openapi(tracks, async (c) => {
      const tenant = await options.tenantOf(c);
      const { id } = c.req.valid("param");
      await Video.get(svc, tenant, id);
      return c.json({ tracks: await Tracks.listForVideo(svc.db, tenant, id) }, 200);
    })
    .openapi(similar, (c) =>
      rateLimited(c, options, "search", async (tenant) => {
        const body = c.req.header("content-type")?.includes("json") ? c.req.valid("json") : {};
        return c.json({ hits: await Search.similar(svc, tenant, c.req.valid("param").objectId, body ?? {}) }, 200);
      }),
    )
    .openapi(setLabel, async (c) => c.json(await Label.set(svc, await options.tenantOf(c), c.req.valid("param").objectId, c.req.valid("json")), 200))
    .openapi(removeLabel, async (c) => {
      const { objectId, label } = c.req.valid("param");
      const tenant = await options.tenantOf(c);
      await Objects.get(svc, tenant, objectId);
      return c.json({ removed: await Label.remove(svc, tenant, objectId, label) }, 200);
    });
}
