import type { DetectedObject, LabelInput, LabelResult, ObjectHit, SearchFilters, SearchHit, SimilarQuery, UploadedPart, UploadTarget, VideoView } from "./types";

/** An answer from the API that is not a success, with the API's `{ code, message }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** Worth trying again: the network, a timeout, throttling or a server-side fault. */
  get transient(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 425 || this.status === 429 || this.status >= 500;
  }
}

export const NETWORK_ERROR_MESSAGE = "Cannot reach the server. Check your connection and that the server is running, then try again.";

/** Reads a failed response as an ApiError, whatever its body looks like. */
export async function errorFrom(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof body.message === "string" && body.message) {
      return new ApiError(response.status, typeof body.code === "string" ? body.code : "error", body.message);
    }
  } catch {
    // Not JSON (a proxy's HTML page, S3's XML): fall through to a generic message.
  }
  const reason = response.statusText ? ` ${response.statusText}` : "";
  return new ApiError(response.status, `http.${response.status}`, `The server answered ${response.status}${reason}.`);
}

/** Turns a fetch rejection into an ApiError, leaving aborts as they are. */
export function networkError(error: unknown): unknown {
  if (error instanceof ApiError) return error;
  if (error instanceof DOMException && error.name === "AbortError") return error;
  if (error instanceof Error && error.name === "AbortError") return error;
  return new ApiError(0, "network", NETWORK_ERROR_MESSAGE);
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === "AbortError";
}

/** The user-facing message of anything thrown. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong.";
}

/**
 * The API base: `VITE_API_URL` when the build sets it (the API's URL on AWS, with or without the
 * trailing `/api`), else the same origin's `/api`.
 */
export function apiBaseFrom(configured: string | undefined): string {
  const value = configured?.trim().replace(/\/+$/, "");
  if (!value) return "/api";
  return value.endsWith("/api") ? value : `${value}/api`;
}

export interface ApiClientOptions {
  /** `/api` on the same origin, or an absolute URL ending in `/api`. */
  baseUrl?: string;
  fetch?: typeof fetch;
}

export type ApiClient = ReturnType<typeof createApiClient>;

export function createApiClient(options: ApiClientOptions = {}) {
  const baseUrl = (options.baseUrl ?? apiBaseFrom(import.meta.env.VITE_API_URL as string | undefined)).replace(/\/+$/, "");
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const origin = () => new URL(`${baseUrl}/`, globalThis.location?.href ?? "http://localhost/");

  /** URLs the API hands out (`/api/files/...`, upload URLs) are relative to the API's origin. */
  const resolve = (url: string): string => new URL(url, origin()).toString();

  async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, init);
    } catch (error) {
      throw networkError(error);
    }
    if (!response.ok) throw await errorFrom(response);
    return (await response.json()) as T;
  }

  const json = (body: unknown, init: RequestInit = {}): RequestInit => ({
    ...init,
    method: init.method ?? "POST",
    headers: { "content-type": "application/json", ...(init.headers as Record<string, string> | undefined) },
    body: JSON.stringify(body),
  });

  return {
    baseUrl,
    resolve,
    fetch: doFetch,

    listVideos: (signal?: AbortSignal) => request<{ videos: VideoView[] }>("/videos?limit=500", signal ? { signal } : {}).then((r) => r.videos),
    getVideo: (id: string, signal?: AbortSignal) => request<VideoView>(`/videos/${encodeURIComponent(id)}`, signal ? { signal } : {}),
    createVideo: (input: { filename: string; sizeBytes: number; contentType: string; title?: string }, signal?: AbortSignal) =>
      request<{ video: VideoView; upload: UploadTarget }>("/videos", json(input, signal ? { signal } : {})),
    completeUpload: (id: string, parts?: UploadedPart[], signal?: AbortSignal) =>
      request<VideoView>(`/videos/${encodeURIComponent(id)}/complete`, json(parts ? { parts } : {}, signal ? { signal } : {})),
    deleteVideo: (id: string) =>
      request<{ deleted: string; vectors: number; files: number }>(`/videos/${encodeURIComponent(id)}`, { method: "DELETE" }),

    searchText: (text: string, filters: SearchFilters = {}, signal?: AbortSignal) =>
      request<{ hits: SearchHit[] }>(
        "/search",
        json(
          {
            text,
            ...(filters.videoId ? { videoId: filters.videoId } : {}),
            ...(filters.minScore !== undefined ? { minScore: filters.minScore } : {}),
            ...(filters.kinds?.length ? { kinds: filters.kinds } : {}),
            ...(filters.limit ? { limit: filters.limit } : {}),
          },
          signal ? { signal } : {},
        ),
      ).then((r) => r.hits),
    searchImage: (image: Blob, filters: SearchFilters = {}, signal?: AbortSignal) => {
      const form = new FormData();
      form.append("image", image, image instanceof File ? image.name : "image");
      if (filters.videoId) form.append("videoId", filters.videoId);
      if (filters.minScore !== undefined) form.append("minScore", String(filters.minScore));
      if (filters.kinds?.length) form.append("kinds", filters.kinds.join(","));
      if (filters.limit) form.append("limit", String(filters.limit));
      return request<{ hits: SearchHit[] }>("/search/image", { method: "POST", body: form, ...(signal ? { signal } : {}) }).then((r) => r.hits);
    },

    /** A video's objects with their labels; `probable: false` skips the neighbour vote (cheaper). */
    listObjects: (videoId: string, options: { probable?: boolean } = {}, signal?: AbortSignal) =>
      request<{ objects: DetectedObject[] }>(
        `/videos/${encodeURIComponent(videoId)}/objects${options.probable === false ? "?probable=false" : ""}`,
        signal ? { signal } : {},
      ).then((r) => r.objects),
    similarObjects: (objectId: string, query: SimilarQuery, signal?: AbortSignal) =>
      request<{ hits: ObjectHit[] }>(`/objects/${encodeURIComponent(objectId)}/similar`, json(query, signal ? { signal } : {})).then((r) => r.hits),
    setLabel: (objectId: string, input: LabelInput) =>
      request<LabelResult>(`/objects/${encodeURIComponent(objectId)}/labels`, json(input, { method: "PUT" })),
    removeLabel: (objectId: string, label: string) =>
      request<{ removed: boolean }>(`/objects/${encodeURIComponent(objectId)}/labels/${encodeURIComponent(label)}`, { method: "DELETE" }),
  };
}
