import { formatBytes } from "../lib/format";
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

  /**
   * Worth trying again at once: the network, a timeout, throttling or a server-side fault. Not a
   * full disk (507): that waits for someone to free space, then for the person to try again.
   */
  get transient(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 425 || this.status === 429 || (this.status >= 500 && this.status !== 507);
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

/** Where the API token (the server's VOS_API_TOKEN) is kept between visits. */
export interface TokenStore {
  get(): string | undefined;
  set(token: string | undefined): void;
}

export const TOKEN_STORAGE_KEY = "vos.apiToken";

/** The token in localStorage (nothing kept where storage is unavailable). */
export function localTokenStore(storage: Storage | undefined = globalThis.localStorage): TokenStore {
  return {
    get: () => {
      try {
        return storage?.getItem(TOKEN_STORAGE_KEY) ?? undefined;
      } catch {
        return undefined;
      }
    },
    set: (token) => {
      try {
        if (token) storage?.setItem(TOKEN_STORAGE_KEY, token);
        else storage?.removeItem(TOKEN_STORAGE_KEY);
      } catch {
        // Private mode: the token lasts as long as the page.
      }
    },
  };
}

function promptForToken(invalid: boolean): string | undefined {
  if (typeof globalThis.prompt !== "function") return undefined;
  const answer = globalThis.prompt(
    invalid ? "That access token was refused. Enter this server's access token (VOS_API_TOKEN):" : "This server needs its access token (VOS_API_TOKEN):",
  );
  return answer?.trim() || undefined;
}

export interface ApiClientOptions {
  /** `/api` on the same origin, or an absolute URL ending in `/api`. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Where the access token is kept; default: localStorage. */
  tokens?: TokenStore;
  /**
   * A new token when the API answers 401: by default the browser's prompt asks for the server's
   * token; a signed-in session refreshes its access token instead.
   */
  askToken?: (invalid: boolean) => Promise<string | undefined> | string | undefined;
}

export type ApiClient = ReturnType<typeof createApiClient>;

export function createApiClient(options: ApiClientOptions = {}) {
  const baseUrl = (options.baseUrl ?? apiBaseFrom(import.meta.env.VITE_API_URL as string | undefined)).replace(/\/+$/, "");
  const rawFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const tokens = options.tokens ?? localTokenStore();
  const askToken = options.askToken ?? promptForToken;
  const origin = () => new URL(`${baseUrl}/`, globalThis.location?.href ?? "http://localhost/");
  const ofApi = (url: string) => new URL(url, origin()).origin === origin().origin;

  /**
   * URLs the API hands out (`/api/files/...`, upload URLs) are relative to the API's origin.
   * Stored files carry the token as `?token=`: an <img> or <video> cannot send a header.
   */
  const resolve = (url: string): string => {
    const resolved = new URL(url, origin());
    const token = tokens.get();
    if (token && ofApi(resolved.href) && resolved.pathname.includes("/api/files/")) resolved.searchParams.set("token", token);
    return resolved.toString();
  };

  /** fetch with the token for the API's own URLs (never for another origin, such as S3). */
  const doFetch: typeof fetch = (input, init = {}) => {
    const token = tokens.get();
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!token || !ofApi(url)) return rawFetch(input, init);
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${token}`);
    return rawFetch(input, { ...init, headers });
  };

  /** One question at a time, however many requests were refused together. */
  let asking: Promise<string | undefined> | undefined;
  function newToken(invalid: boolean): Promise<string | undefined> {
    asking ??= Promise.resolve(askToken(invalid)).finally(() => (asking = undefined));
    return asking;
  }

  async function request<T>(path: string, init: RequestInit = {}, asked = false): Promise<T> {
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, init);
    } catch (error) {
      throw networkError(error);
    }
    if (!response.ok) {
      const error = await errorFrom(response);
      if (error.status === 401 && !asked && (error.code === "auth.missing" || error.code === "auth.invalid" || error.code === "auth.expired")) {
        const sent = tokens.get();
        const token = await newToken(error.code === "auth.invalid");
        if (token) {
          tokens.set(token);
          return request<T>(path, init, true);
        }
        if (sent && error.code === "auth.invalid") tokens.set(undefined);
      }
      throw error;
    }
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
    /** Processes a failed video again from its stored upload (a new job). */
    retryVideo: (id: string) => request<VideoView>(`/videos/${encodeURIComponent(id)}/retry`, { method: "POST" }),
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
      return request<{ hits: SearchHit[] }>("/search/image", { method: "POST", body: form, ...(signal ? { signal } : {}) }).then(
        (r) => r.hits,
        (error: unknown) => {
          // A body too large for the gateway in front of the API never reaches it, so no API
          // message names the limit: say what happened in the API's words.
          if (error instanceof ApiError && error.code === "http.413") {
            throw new ApiError(413, "image.too_large", `The picture is ${formatBytes(image.size)}, too large for the server to receive. Send a smaller picture.`);
          }
          throw error;
        },
      );
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
