import { Readable } from "node:stream";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { Library, Video } from "@vos/core";
import { uploadBodyLimit } from "../body-limit.js";
import type { ApiOptions } from "../context.js";
import { errorResponses, jsonResponse, validationHook } from "../errors.js";
import { rateLimited } from "../rate-limit.js";

const idParam = z.object({ id: Video.idSchema.describe("video id") });
const uploadTargetSchema = z
  .discriminatedUnion("kind", [
    z.object({
      kind: z.literal("put"),
      method: z.literal("PUT"),
      url: z.string().describe("PUT the file here, whole or in chunks with Content-Range; GET it for the bytes received"),
      headers: z.record(z.string(), z.string()),
      chunkBytes: z.number().int().describe("largest chunk to send per request"),
    }),
    z.object({
      kind: z.literal("multipart"),
      uploadId: z.string(),
      partBytes: z.number().int().describe("size of every part but the last"),
      parts: z.array(z.object({ partNumber: z.number().int(), url: z.string().describe("presigned PUT URL") })),
    }),
  ])
  .describe("where and how to send the file's bytes");
const progressSchema = z.object({ received: z.number().int(), sizeBytes: z.number().int() });

const create = createRoute({
  method: "post",
  path: "/videos",
  summary: "Register a video and get where to upload it",
  request: { body: { required: true, content: { "application/json": { schema: Video.createSchema } } } },
  responses: { 201: jsonResponse(z.object({ video: Video.viewSchema, upload: uploadTargetSchema }), "created"), ...errorResponses(400, 413, 415, 429, 507) },
});

const upload = createRoute({
  method: "put",
  path: "/videos/{id}/upload",
  summary: "Upload the video's bytes: the whole file, or a chunk with Content-Range (local runtime)",
  request: { params: idParam },
  responses: { 200: jsonResponse(progressSchema, "stored"), ...errorResponses(400, 404, 409, 413, 415, 507) },
});

const uploadStatus = createRoute({
  method: "get",
  path: "/videos/{id}/upload",
  summary: "Bytes received so far, to resume an interrupted upload",
  request: { params: idParam },
  responses: { 200: jsonResponse(progressSchema, "received"), ...errorResponses(404) },
});

const renewUpload = createRoute({
  method: "post",
  path: "/videos/{id}/upload/parts",
  summary: "Fresh URLs for the rest of an unfinished upload (S3: the same multipart upload, every part presigned again)",
  description:
    "For a client resuming after its part URLs expired: the upload id and the parts already sent stay. Only a video still uploading qualifies (409 video.invalid_state); a file already whole needs only completing (409 upload.stored). The local runtime answers its `put` target.",
  request: { params: idParam },
  responses: { 200: jsonResponse(z.object({ upload: uploadTargetSchema }), "where to send the rest"), ...errorResponses(404, 409) },
});

const complete = createRoute({
  method: "post",
  path: "/videos/{id}/complete",
  summary: "Finish the upload and queue processing",
  request: { params: idParam, body: { required: false, content: { "application/json": { schema: Video.completeSchema } } } },
  responses: { 202: jsonResponse(Video.viewSchema, "queued"), ...errorResponses(400, 404, 409, 413, 507) },
});

const retry = createRoute({
  method: "post",
  path: "/videos/{id}/retry",
  summary: "Process a failed video again from its stored upload (a new job with fresh attempts)",
  description:
    "Only a failed video whose upload is still stored (`retryable: true`) qualifies; a failure on bad input removed the file (409 video.not_retryable). A video already queued or processing is answered as it is.",
  request: { params: idParam },
  responses: { 202: jsonResponse(Video.viewSchema, "queued again"), ...errorResponses(404, 409) },
});

const list = createRoute({
  method: "get",
  path: "/videos",
  summary: "List videos, newest first",
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(500).default(100),
      before: Video.idSchema.optional().describe("page: ids older than this one"),
    }),
  },
  responses: { 200: jsonResponse(z.object({ videos: z.array(Video.viewSchema) }), "videos"), ...errorResponses(400) },
});

const get = createRoute({
  method: "get",
  path: "/videos/{id}",
  summary: "A video with its status, per-stage progress, counts and error",
  request: { params: idParam },
  responses: { 200: jsonResponse(Video.viewSchema, "the video"), ...errorResponses(404) },
});

const remove = createRoute({
  method: "delete",
  path: "/videos/{id}",
  summary: "Delete a video with its frames, files and vectors",
  description:
    "The video reads `deleting` until everything is removed. A deletion cut short (the request timed out, the server stopped) can be sent again; otherwise the server finishes it: `vos serve` at its next start, on AWS the reconciler once the mark is 10 minutes old.",
  request: { params: idParam },
  responses: { 200: jsonResponse(z.object({ deleted: z.string(), vectors: z.number().int(), files: z.number().int() }), "deleted"), ...errorResponses(404) },
});

export function videoRoutes(options: ApiOptions) {
  const svc = options.services;
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(create, (c) =>
      rateLimited(c, options, "upload", async (tenant) => {
        const video = await Video.create(svc, tenant, c.req.valid("json"));
        return c.json({ video: Video.view(video), upload: await svc.uploads.start(video) }, 201);
      }),
    )
    .openapi(upload, async (c) => {
      const tenant = await options.tenantOf(c);
      const raw = c.req.raw.body;
      const body = raw ? Readable.fromWeb(raw as import("node:stream/web").ReadableStream) : Readable.from([]);
      const contentRange = c.req.header("content-range");
      const contentType = c.req.header("content-type");
      return c.json(
        await Video.upload(svc, tenant, c.req.valid("param").id, body, { ...(contentType ? { contentType } : {}), ...(contentRange ? { contentRange } : {}) }),
        200,
      );
    })
    .openapi(uploadStatus, async (c) => c.json(await Video.received(svc, await options.tenantOf(c), c.req.valid("param").id), 200))
    .openapi(renewUpload, async (c) => c.json({ upload: await Video.renewUpload(svc, await options.tenantOf(c), c.req.valid("param").id) }, 200))
    // The body is optional (only S3 multipart uploads send parts): without a JSON body it reads as {}.
    .openapi(complete, async (c) => c.json(await Video.complete(svc, await options.tenantOf(c), c.req.valid("param").id, c.req.valid("json").parts), 202))
    .openapi(retry, async (c) => c.json(await Video.retry(svc, await options.tenantOf(c), c.req.valid("param").id), 202))
    .openapi(list, async (c) => c.json({ videos: await Video.list(svc, await options.tenantOf(c), c.req.valid("query")) }, 200))
    .openapi(get, async (c) => c.json(await Video.get(svc, await options.tenantOf(c), c.req.valid("param").id), 200))
    .openapi(remove, async (c) => {
      const id = c.req.valid("param").id;
      const tenant = await options.tenantOf(c);
      const { vectors, blobs } = await Video.remove(svc, tenant, id);
      // A re-index may have waited only for this video's job.
      await Library.settle(svc, tenant);
      return c.json({ deleted: id, vectors, files: blobs }, 200);
    });
}

const RANGE = /^bytes (\d+)-(\d+)\/(\d+)$/;

/**
 * What one upload PUT may carry: the chunk its Content-Range names, else the size the video was
 * registered with, never more than the largest upload. A request the route refuses anyway (a
 * malformed range, an unknown or invalid id) gets the largest upload here, and its own answer there.
 */
export function uploadLimit(options: ApiOptions) {
  const svc = options.services;
  const largest = { bytes: svc.settings.maxUploadBytes, why: "the largest upload accepted" };
  return uploadBodyLimit(async (c) => {
    const header = c.req.header("content-range");
    if (header !== undefined) {
      const range = RANGE.exec(header.trim());
      const [start, end] = [Number(range?.[1]), Number(range?.[2])];
      return range && end >= start ? { bytes: Math.min(largest.bytes, end - start + 1), why: "the chunk its Content-Range names" } : largest;
    }
    const id = Video.idSchema.safeParse(c.req.param("id"));
    const video = id.success ? await Video.find(svc, id.data) : undefined;
    if (!video || video.tenantId !== (await options.tenantOf(c))) return largest;
    return { bytes: Math.min(largest.bytes, video.sizeBytes), why: "the size this video was registered with" };
  });
}
