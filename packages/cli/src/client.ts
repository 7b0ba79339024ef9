import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import type { Label, Search, Video } from "@vos/core";

type Fetch = (request: Request) => Promise<Response>;

/** An error the API answered with, or a transport failure, as `{ code, message }`. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const CONTENT_TYPES: Record<string, string> = {
  ".mp4": "video/mp4",
  ".m4v": "video/mp4",
  ".mov": "video/quicktime",
  ".mkv": "video/x-matroska",
  ".webm": "video/webm",
  ".avi": "video/x-msvideo",
  ".mpg": "video/mpeg",
  ".mpeg": "video/mpeg",
  ".ts": "video/mp2t",
};

export const contentTypeOf = (file: string) => CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";

/**
 * The HTTP API from the CLI's side. `fetch` is either the network (VOS_API_URL) or the Hono
 * app's own `fetch` in this process: one client, whichever runtime answers. `token` (VOS_API_TOKEN)
 * goes with every request as a bearer token.
 */
export function createClient(baseUrl: string, fetch: Fetch, token?: string) {
  const url = (p: string) => new URL(p, baseUrl).toString();

  async function call<T>(method: string, p: string, init: { json?: unknown; body?: RequestInit["body"]; headers?: Record<string, string> } = {}): Promise<T> {
    // The token goes to the API only, never to another origin (a presigned storage URL).
    const ours = new URL(url(p)).origin === new URL(baseUrl).origin;
    const headers: Record<string, string> = { ...(token && ours ? { authorization: `Bearer ${token}` } : {}), ...init.headers };
    let body = init.body;
    if (init.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(init.json);
    }
    let response: Response;
    try {
      response = await fetch(new Request(url(p), { method, headers, ...(body !== undefined ? { body, duplex: "half" } : {}) } as RequestInit));
    } catch (error) {
      throw new ApiError("api.unreachable", `Cannot reach the API at ${baseUrl}: ${error instanceof Error ? error.message : String(error)}`, 0);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const problem = parsed as { code?: string; message?: string } | undefined;
      throw new ApiError(problem?.code ?? `http.${response.status}`, problem?.message ?? `HTTP ${response.status}: ${text.slice(0, 200)}`, response.status);
    }
    return parsed as T;
  }

  return {
    baseUrl,
    absolute: url,
    health: () => call<{ status: string; model: string }>("GET", "/api/health"),
    listVideos: () => call<{ videos: Video.VideoView[] }>("GET", "/api/videos?limit=500").then((r) => r.videos),
    getVideo: (id: string) => call<Video.VideoView>("GET", `/api/videos/${encodeURIComponent(id)}`),
    retryVideo: (id: string) => call<Video.VideoView>("POST", `/api/videos/${encodeURIComponent(id)}/retry`),
    deleteVideo: (id: string) => call<{ deleted: string; vectors: number; files: number }>("DELETE", `/api/videos/${encodeURIComponent(id)}`),
    objects: (videoId: string) =>
      call<{ objects: Label.LabelledObject[] }>("GET", `/api/videos/${encodeURIComponent(videoId)}/objects`).then((r) => r.objects),
    similar: (objectId: string, query: { minScore?: number; limit?: number; mode?: "focused" | "expanded"; videoId?: string }) =>
      call<{ hits: Search.ObjectSearchHit[] }>("POST", `/api/objects/${encodeURIComponent(objectId)}/similar`, { json: query }).then((r) => r.hits),
    label: (objectId: string, input: { label: string; polarity: "positive" | "negative"; propagate: boolean }) =>
      call<{ label: Label.LabelView; propagatedTo: string[] }>("PUT", `/api/objects/${encodeURIComponent(objectId)}/labels`, { json: input }),
    unlabel: (objectId: string, label: string) =>
      call<{ removed: boolean }>("DELETE", `/api/objects/${encodeURIComponent(objectId)}/labels/${encodeURIComponent(label)}`),
    search: (query: { text: string; videoId?: string; limit?: number; minScore?: number; kinds?: ("frame" | "object")[] }) =>
      call<{ hits: Search.SearchHit[] }>("POST", "/api/search", { json: query }).then((r) => r.hits),
    async searchImage(file: string, filters: { videoId?: string; limit?: number; minScore?: number; kinds?: ("frame" | "object")[] }) {
      const form = new FormData();
      const bytes = await import("node:fs/promises").then((fs) => fs.readFile(file));
      form.set("image", new Blob([bytes]), path.basename(file));
      if (filters.videoId) form.set("videoId", filters.videoId);
      if (filters.limit) form.set("limit", String(filters.limit));
      if (filters.minScore !== undefined) form.set("minScore", String(filters.minScore));
      if (filters.kinds) form.set("kinds", filters.kinds.join(","));
      return (await call<{ hits: Search.SearchHit[] }>("POST", "/api/search/image", { body: form })).hits;
    },

    /** Registers, uploads (streamed, with progress) and completes one file. */
    async uploadFile(file: string, options: { title?: string; onProgress?: (sent: number, total: number) => void } = {}): Promise<Video.VideoView> {
      const info = await stat(file);
      if (!info.isFile()) throw new ApiError("cli.not_a_file", `${file} is not a file.`, 0);
      const contentType = contentTypeOf(file);
      const created = await call<{ video: Video.VideoView; upload: { method: "PUT"; url: string; headers: Record<string, string> } }>("POST", "/api/videos", {
        json: { filename: path.basename(file), sizeBytes: info.size, contentType, ...(options.title ? { title: options.title } : {}) },
      });
      let sent = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          sent += chunk.length;
          options.onProgress?.(sent, info.size);
          done(null, chunk);
        },
      });
      const stream = createReadStream(file).pipe(counter);
      await call("PUT", created.upload.url, {
        body: Readable.toWeb(stream) as unknown as RequestInit["body"],
        headers: { ...created.upload.headers, "content-length": String(info.size) },
      });
      return call<Video.VideoView>("POST", `/api/videos/${created.video.id}/complete`);
    },
  };
}

export type Client = ReturnType<typeof createClient>;
