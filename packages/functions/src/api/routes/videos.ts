import { Readable } from "node:stream";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { Video } from "@vos/core";
import type { ApiOptions } from "../context.js";
import { errorSchema, validationHook } from "../errors.js";

const idParam = z.object({ id: z.string().min(1).max(100).describe("video id") });
const uploadTargetSchema = z.object({
  method: z.literal("PUT"),
  url: z.string().describe("where to send the file's bytes"),
  headers: z.record(z.string(), z.string()),
});
const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, { description: "error", content: { "application/json": { schema: errorSchema } } }]));
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

const create = createRoute({
  method: "post",
  path: "/videos",
  summary: "Register a video and get where to upload it",
  request: { body: { required: true, content: { "application/json": { schema: Video.createSchema } } } },
  responses: { 201: json(z.object({ video: Video.viewSchema, upload: uploadTargetSchema }), "created"), ...errors(400, 413, 415) },
});

const upload = createRoute({
  method: "put",
  path: "/videos/{id}/upload",
  summary: "Upload the video's bytes (streamed; exactly the declared size)",
  request: { params: idParam },
  responses: { 200: json(Video.viewSchema, "stored"), ...errors(400, 404, 409, 413, 415) },
});

const complete = createRoute({
  method: "post",
  path: "/videos/{id}/complete",
  summary: "Finish the upload and queue processing",
  request: { params: idParam },
  responses: { 202: json(Video.viewSchema, "queued"), ...errors(404, 409) },
});

const list = createRoute({
  method: "get",
  path: "/videos",
  summary: "List videos, newest first",
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(500).default(100),
      before: z.string().min(1).max(100).optional().describe("page: ids older than this one"),
    }),
  },
  responses: { 200: json(z.object({ videos: z.array(Video.viewSchema) }), "videos"), ...errors(400) },
});

const get = createRoute({
  method: "get",
  path: "/videos/{id}",
  summary: "A video with its status, per-stage progress, counts and error",
  request: { params: idParam },
  responses: { 200: json(Video.viewSchema, "the video"), ...errors(404) },
});

const remove = createRoute({
  method: "delete",
  path: "/videos/{id}",
  summary: "Delete a video with its frames, files and vectors",
  request: { params: idParam },
  responses: { 200: json(z.object({ deleted: z.string(), vectors: z.number().int(), files: z.number().int() }), "deleted"), ...errors(404) },
});

export function videoRoutes(options: ApiOptions) {
  const svc = options.services;
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(create, async (c) => {
      const tenant = await options.tenantOf(c);
      const video = await Video.create(svc, tenant, c.req.valid("json"));
      return c.json({ video: Video.view(video), upload: await svc.uploads.target(video) }, 201);
    })
    .openapi(upload, async (c) => {
      const tenant = await options.tenantOf(c);
      const raw = c.req.raw.body;
      const body = raw ? Readable.fromWeb(raw as import("node:stream/web").ReadableStream) : Readable.from([]);
      return c.json(await Video.upload(svc, tenant, c.req.valid("param").id, body, c.req.header("content-type")), 200);
    })
    .openapi(complete, async (c) => c.json(await Video.complete(svc, await options.tenantOf(c), c.req.valid("param").id), 202))
    .openapi(list, async (c) => c.json({ videos: await Video.list(svc, await options.tenantOf(c), c.req.valid("query")) }, 200))
    .openapi(get, async (c) => c.json(await Video.get(svc, await options.tenantOf(c), c.req.valid("param").id), 200))
    .openapi(remove, async (c) => {
      const id = c.req.valid("param").id;
      const { vectors, blobs } = await Video.remove(svc, await options.tenantOf(c), id);
      return c.json({ deleted: id, vectors, files: blobs }, 200);
    });
}
