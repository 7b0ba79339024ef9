import path from "node:path";
import type { Label, Search, Video } from "@vos/core";
import type { UploadedPart, UploadTarget } from "@vos/core/blob";
import { ApiError } from "./api-error.js";
import { noCredentials, staticToken, type Credentials } from "./auth/credentials.js";
import { uploadFile, type UploadOptions } from "./upload/upload-file.js";

export { ApiError } from "./api-error.js";

type Fetch = (request: Request) => Promise<Response>;
type Body = RequestInit["body"];

/** Search filters both search routes take. */
export interface SearchFilters {
  videoId?: string;
  limit?: number;
  minScore?: number;
  kinds?: ("frame" | "object")[];
}

/** What `GET /api/auth` says about signing in. */
export interface SignInMethod {
  kind: "none" | "token" | "cognito";
  region?: string;
  clientId?: string;
  endpoint?: string;
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
 * app's own `fetch` in this process: one client, whichever runtime answers. `credentials`
 * (VOS_API_TOKEN, or a stored `vos login`) give the bearer token sent with every request; a 401
 * renews a sign-in once and sends the request again.
 */
export function createClient(baseUrl: string, fetch: Fetch, credentials?: string | Credentials) {
  const auth = typeof credentials === "string" ? staticToken(credentials) : (credentials ?? noCredentials);
  const url = (p: string) => new URL(p, baseUrl).toString();

  async function send(method: string, target: string, ours: boolean, init: CallInit): Promise<Response> {
    const token = ours ? await auth.token() : undefined;
    // The token goes to the API only, never to another origin (a presigned storage URL).
    const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...init.headers };
    let body = typeof init.body === "function" ? init.body() : init.body;
    if (init.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(init.json);
    }
    try {
      return await fetch(new Request(target, { method, headers, ...(body !== undefined ? { body, duplex: "half" } : {}) } as RequestInit));
    } catch (error) {
      throw new ApiError("api.unreachable", `Cannot reach the API at ${baseUrl}: ${error instanceof Error ? error.message : String(error)}`, 0);
    }
  }

  /** The API wants a sign-in this process has none of: say which one and how to get it. */
  async function signInNeeded(problem: ApiError): Promise<ApiError> {
    const method = await call<SignInMethod>("GET", "/api/auth").catch(() => undefined);
    if (method?.kind === "cognito") return new ApiError("auth.login_required", `The API at ${baseUrl} needs you to sign in: run \`vos login\`.`, 401);
    if (method?.kind === "token") return new ApiError(problem.code, `The API at ${baseUrl} needs its access token: set VOS_API_TOKEN.`, 401);
    return problem;
  }

  async function call<T>(method: string, p: string, init: CallInit = {}): Promise<T> {
    const target = url(p);
    const ours = new URL(target).origin === new URL(baseUrl).origin;
    let response = await send(method, target, ours, init);
    if (response.status === 401 && ours && auth.kind === "sign-in") {
      await response.body?.cancel();
      if (await auth.renew()) response = await send(method, target, ours, init);
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
      const error = new ApiError(problem?.code ?? `http.${response.status}`, problem?.message ?? `HTTP ${response.status}: ${text.slice(0, 200)}`, response.status);
      throw response.status === 401 && ours && auth.kind === "none" ? await signInNeeded(error) : error;
    }
    return parsed as T;
  }

  const videoPath = (id: string) => `/api/videos/${encodeURIComponent(id)}`;

  const client = {
    baseUrl,
    absolute: url,
    health: () => call<{ status: string; model: string }>("GET", "/api/health"),
    signInMethod: () => call<SignInMethod>("GET", "/api/auth"),
    listVideos: () => call<{ videos: Video.VideoView[] }>("GET", "/api/videos?limit=500").then((r) => r.videos),
    getVideo: (id: string) => call<Video.VideoView>("GET", videoPath(id)),
    retryVideo: (id: string) => call<Video.VideoView>("POST", `${videoPath(id)}/retry`),
    deleteVideo: (id: string) => call<{ deleted: string; vectors: number; files: number }>("DELETE", videoPath(id)),
    objects: (videoId: string) => call<{ objects: Label.LabelledObject[] }>("GET", `${videoPath(videoId)}/objects`).then((r) => r.objects),
    similar: (objectId: string, query: { minScore?: number; limit?: number; mode?: "focused" | "expanded"; videoId?: string }) =>
      call<{ hits: Search.ObjectSearchHit[] }>("POST", `/api/objects/${encodeURIComponent(objectId)}/similar`, { json: query }).then((r) => r.hits),
    label: (objectId: string, input: { label: string; polarity: "positive" | "negative"; propagate: boolean }) =>
      call<{ label: Label.LabelView; propagatedTo: string[] }>("PUT", `/api/objects/${encodeURIComponent(objectId)}/labels`, { json: input }),
    unlabel: (objectId: string, label: string) =>
      call<{ removed: boolean }>("DELETE", `/api/objects/${encodeURIComponent(objectId)}/labels/${encodeURIComponent(label)}`),
    search: (query: { text: string } & SearchFilters) => call<{ hits: Search.SearchHit[] }>("POST", "/api/search", { json: query }).then((r) => r.hits),
    /** A picture search; the caller sends a picture already sized for it (see image-query.ts). */
    async searchImage(image: { bytes: Uint8Array; name: string; type: string }, filters: SearchFilters) {
      const form = new FormData();
      // A copy in an ArrayBuffer of its own: what Blob takes under the DOM's types too.
      form.set("image", new Blob([image.bytes.slice()], { type: image.type }), image.name);
      if (filters.videoId) form.set("videoId", filters.videoId);
      if (filters.limit) form.set("limit", String(filters.limit));
      if (filters.minScore !== undefined) form.set("minScore", String(filters.minScore));
      if (filters.kinds) form.set("kinds", filters.kinds.join(","));
      return (await call<{ hits: Search.SearchHit[] }>("POST", "/api/search/image", { body: form })).hits;
    },

    // The upload protocol, step by step (upload/ drives it).
    createVideo: (input: { filename: string; sizeBytes: number; contentType: string; title?: string }) =>
      call<{ video: Video.VideoView; upload: UploadTarget }>("POST", "/api/videos", { json: input }),
    /** Fresh URLs for the rest of an unfinished upload (presigned part URLs expire). */
    renewUpload: (id: string) => call<{ upload: UploadTarget }>("POST", `${videoPath(id)}/upload/parts`).then((r) => r.upload),
    /** Bytes a `put` target received so far. */
    received: (targetUrl: string) => call<{ received: number; sizeBytes: number }>("GET", targetUrl),
    /** One PUT to a `put` target: the whole file, or a chunk with its Content-Range. `body` is called again for a resend. */
    putBytes: (targetUrl: string, headers: Record<string, string>, body: () => Body) =>
      call<{ received: number; sizeBytes: number }>("PUT", targetUrl, { headers, body }),
    completeVideo: (id: string, parts?: UploadedPart[]) => call<Video.VideoView>("POST", `${videoPath(id)}/complete`, parts ? { json: { parts } } : {}),

    /** Registers (or resumes), uploads with progress, and completes one file. */
    uploadFile: (file: string, options: UploadOptions = {}): Promise<Video.VideoView> => uploadFile(client, file, options).then((r) => r.video),
  };
  return client;
}

interface CallInit {
  json?: unknown;
  /** A body, or a function making it afresh for each send (a stream cannot be sent twice). */
  body?: Body | (() => Body);
  headers?: Record<string, string>;
}

export type Client = ReturnType<typeof createClient>;
