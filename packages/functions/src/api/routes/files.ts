import { Readable } from "node:stream";
import { Search, VisibleError } from "@vos/core";
import type { BlobStore } from "@vos/core/blob";
import { Hono } from "hono";
import { decodeSegments } from "../path.js";

const notFound = () => new VisibleError("file.not_found", "No such file.", 404);

const TYPES: Record<string, string> = { jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", mp4: "video/mp4", webm: "video/webm", mov: "video/quicktime", mkv: "video/x-matroska" };

/**
 * Stored files for the embedded runtime (thumbnails, playback), with HTTP Range support so a
 * browser can seek in a video. On AWS the same URLs are presigned S3 GETs instead.
 */
export function fileRoutes(blobs: BlobStore, tenantOf: (c: import("hono").Context) => string | Promise<string>) {
  return new Hono().get("/files/*", async (c) => {
    const key = decodeSegments(c.req.path.replace(/^.*?\/files\//, "")).join("/");
    const tenant = await tenantOf(c);
    // Another tenant's file is answered as a missing one; a store that fails answers as it fails.
    // A tenant's files are under `<tenant>/`, the pictures it searched for under `_queries/<tenant>/`.
    const owned = key.startsWith(`${tenant}/`) || key.startsWith(`${Search.QUERY_PICTURES_FOLDER}/${tenant}/`);
    const info = owned && !key.includes("..") ? await blobs.stat(key) : undefined;
    if (!info) throw notFound();
    const type = TYPES[key.split(".").pop()?.toLowerCase() ?? ""] ?? "application/octet-stream";
    const headers: Record<string, string> = { "content-type": type, "accept-ranges": "bytes", "cache-control": "private, max-age=3600" };
    const range = /^bytes=(\d*)-(\d*)$/.exec(c.req.header("range") ?? "");
    if (range && (range[1] || range[2])) {
      const start = range[1] ? Number(range[1]) : Math.max(0, info.size - Number(range[2]));
      const end = range[1] && range[2] ? Math.min(Number(range[2]), info.size - 1) : info.size - 1;
      if (start > end || start >= info.size) {
        return c.body(null, 416, { "content-range": `bytes */${info.size}` });
      }
      const stream = await blobs.get(key, { start, end });
      return c.body(Readable.toWeb(stream) as ReadableStream, 206, { ...headers, "content-range": `bytes ${start}-${end}/${info.size}`, "content-length": String(end - start + 1) });
    }
    const stream = await blobs.get(key);
    return c.body(Readable.toWeb(stream) as ReadableStream, 200, { ...headers, "content-length": String(info.size) });
  });
}
