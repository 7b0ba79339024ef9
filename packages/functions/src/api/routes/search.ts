import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { Search, Video, VisibleError } from "@vos/core";
import { limitBody, readableBytes } from "../body-limit.js";
import { DEFAULT_MAX_IMAGE_BYTES, FORM_OVERHEAD_BYTES, type ApiOptions } from "../context.js";
import { errorResponses, jsonResponse, validationHook } from "../errors.js";
import { rateLimited } from "../rate-limit.js";

const results = jsonResponse(z.object({ hits: z.array(Search.hitSchema), modelMismatch: Search.modelMismatchSchema }), "moments, best first");
const pictureResults = jsonResponse(
  z.object({ hits: z.array(Search.hitSchema), modelMismatch: Search.modelMismatchSchema, picture: Search.queryPictureSchema }),
  "moments, best first, and the picture searched for as it is kept",
);

const text = createRoute({
  method: "post",
  path: "/search",
  summary: "Find moments by words",
  request: { body: { required: true, content: { "application/json": { schema: Search.textSchema } } } },
  responses: { 200: results, ...errorResponses(400, 413, 429, 503) },
});

const imageForm = z.object({
  // Checked in the handler, so a missing picture gets its own error code.
  image: z.any().optional().describe("the picture to look for (JPEG, PNG, WebP, GIF, AVIF or TIFF); required").openapi({ type: "string", format: "binary" }),
  videoId: Video.idSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(10),
  minScore: z.coerce.number().min(-1).max(1).optional(),
  kinds: z.string().regex(/^(frame|object)(,(frame|object))?$/).optional().describe("comma-separated: frame, object (default both)"),
  includeProcessing: z.enum(["true", "false"]).optional().describe("false: only videos that are ready (default true: also what processing videos hold so far)"),
});

/** `size` is the picture's (or the whole request's, read from Content-Length); unknown for a body sent in chunks. */
function imageTooLarge(maxImageBytes: number, size?: number): VisibleError {
  const limit = readableBytes(maxImageBytes);
  const shown = size === undefined ? `over ${limit}` : readableBytes(size) === limit ? `just over ${limit}` : readableBytes(size);
  return new VisibleError(
    "image.too_large",
    `The picture is ${shown}; the limit here is ${limit}. Send a smaller picture (the web app and vos search --image shrink pictures to 1024 px before sending).`,
    413,
  );
}

/**
 * The picture route's body limit (wired in app.ts with every route's limit): a body that cannot
 * hold a picture within the limit is refused before it is parsed, as image.too_large.
 */
export function imageBodyLimit(maxImageBytes: number) {
  return limitBody(maxImageBytes + FORM_OVERHEAD_BYTES, (size) => imageTooLarge(maxImageBytes, size || undefined));
}

const imageRoute = (maxImageBytes: number) =>
  createRoute({
    method: "post",
    path: "/search/image",
    summary: "Find moments that look like a picture",
    description:
      `The picture may be up to ${readableBytes(maxImageBytes)} on this server; a larger one answers 413 image.too_large. ` +
      // Core's picture-limits.ts sets these; hostile-pictures.test.ts holds this text to them.
      "It must be JPEG, PNG, WebP, GIF (first frame), AVIF or TIFF of at most 64 megapixels (AVIF: 16), checked from its header " +
      "before a pixel is decoded: another type (SVG included) answers 415 image.unsupported_type, more pixels 413 image.too_many_pixels.",
    request: { body: { required: true, content: { "multipart/form-data": { schema: imageForm } } } },
    responses: { 200: pictureResults, ...errorResponses(400, 413, 415, 429, 503) },
  });

const keptPicture = createRoute({
  method: "post",
  path: "/search/image/{id}",
  summary: "Find moments that look like a picture searched for before",
  description: `The picture a picture search kept (its answer's picture.id), without sending it again: for a reload, a shared link or other filters. Kept ${Search.QUERY_PICTURE_DAYS} days after it was last sent; after that 404 search.picture_expired.`,
  request: {
    params: z.object({ id: Search.queryPictureIdSchema }),
    body: { required: true, content: { "application/json": { schema: Search.filtersSchema } } },
  },
  responses: { 200: pictureResults, ...errorResponses(400, 404, 429, 503) },
});

export function searchRoutes(options: ApiOptions) {
  const svc = options.services;
  const maxImageBytes = options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(text, (c) =>
      rateLimited(c, options, "search", async (tenant) => {
        const hits = await Search.text(svc, tenant, c.req.valid("json"));
        return c.json({ hits, modelMismatch: await Search.modelMismatch(svc, tenant) }, 200);
      }),
    )
    .openapi(imageRoute(maxImageBytes), (c) =>
      rateLimited(c, options, "search", async (tenant) => {
        const form = c.req.valid("form");
        const file: unknown = form.image;
        if (!(file instanceof Blob)) throw new VisibleError("search.image_missing", "Send the picture as the multipart field 'image'.", 400);
        if (file.size === 0) throw new VisibleError("image.empty", "The picture is empty (0 bytes).", 400);
        if (file.size > maxImageBytes) throw imageTooLarge(maxImageBytes, file.size);
        const bytes = new Uint8Array(await file.arrayBuffer());
        // Kept once it passed the checks (a refused picture is never stored), as it was searched with.
        const { hits, picture } = await Search.imageAndKeep(svc, tenant, bytes, {
          limit: form.limit,
          ...(form.videoId ? { videoId: form.videoId } : {}),
          ...(form.minScore !== undefined ? { minScore: form.minScore } : {}),
          ...(form.kinds ? { kinds: form.kinds.split(",") as ("frame" | "object")[] } : {}),
          ...(form.includeProcessing ? { includeProcessing: form.includeProcessing === "true" } : {}),
        });
        return c.json({ hits, modelMismatch: await Search.modelMismatch(svc, tenant), picture }, 200);
      }),
    )
    .openapi(keptPicture, (c) =>
      rateLimited(c, options, "search", async (tenant) => {
        const { bytes, picture } = await Search.loadQueryPicture(svc, tenant, c.req.valid("param").id);
        const hits = await Search.image(svc, tenant, bytes, c.req.valid("json"));
        return c.json({ hits, modelMismatch: await Search.modelMismatch(svc, tenant), picture }, 200);
      }),
    );
}
