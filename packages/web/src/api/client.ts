import { ApiError, createContractClient, errorFrom } from "@vos/contract";
import type { Connection } from "../lib/connection";
import { formatBytes } from "../lib/format";
import type { CreateVideo, LabelInput, SearchFilters, SimilarQuery, UploadedPart } from "./types";

export { ApiError, errorFrom } from "@vos/contract";

export const NETWORK_ERROR_MESSAGE = "Cannot reach the server. Check your connection and that the server is running, then try again.";

/** Turns a fetch rejection into an ApiError, leaving aborts as they are. */
export function networkError(error: unknown): unknown {
  if (error instanceof ApiError) return error;
  if (error instanceof DOMException && error.name === "AbortError") return error;
  if (error instanceof Error && error.name === "AbortError") return error;
  return new ApiError("network", NETWORK_ERROR_MESSAGE, 0);
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
  /** Told when a request to the API fails for the network, and when the API answers (lib/connection.ts). */
  connection?: Pick<Connection, "lost" | "answered">;
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

  /** A request to the API: whether it got an answer tells the connection whether the server is there. */
  const watched = async (input: RequestInfo | URL, init: RequestInit): Promise<Response> => {
    try {
      const response = await rawFetch(input, init);
      options.connection?.answered();
      return response;
    } catch (error) {
      if (!isAbort(error)) options.connection?.lost();
      throw error;
    }
  };

  /** fetch with the token for the API's own URLs (never for another origin, such as S3). */
  const doFetch: typeof fetch = (input, init = {}) => {
    const token = tokens.get();
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!ofApi(url)) return rawFetch(input, init);
    if (!token) return watched(input, init);
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${token}`);
    return watched(input, { ...init, headers });
  };

  /** One question at a time, however many requests were refused together. */
  let asking: Promise<string | undefined> | undefined;
  function newToken(invalid: boolean): Promise<string | undefined> {
    asking ??= Promise.resolve(askToken(invalid)).finally(() => (asking = undefined));
    return asking;
  }

  /** The API's answer, once more with a new token where the first was missing, wrong or expired. */
  async function authorised(url: string, init: RequestInit, asked = false): Promise<Response> {
    let response: Response;
    try {
      response = await doFetch(url, init);
    } catch (error) {
      throw networkError(error);
    }
    if (response.status !== 401 || asked) return response;
    const error = await errorFrom(response);
    if (error.code === "auth.missing" || error.code === "auth.invalid" || error.code === "auth.expired") {
      const sent = tokens.get();
      const token = await newToken(error.code === "auth.invalid");
      if (token) {
        tokens.set(token);
        return authorised(url, init, true);
      }
      if (sent && error.code === "auth.invalid") tokens.set(undefined);
    }
    throw error;
  }

  const api = createContractClient({ baseUrl, fetch: (url, init) => authorised(url, init) });
  const sig = (signal?: AbortSignal) => (signal ? { signal } : {});

  return {
    baseUrl,
    resolve,
    fetch: doFetch,

    listVideos: (signal?: AbortSignal) => api.get("/videos", { query: { limit: 500 }, ...sig(signal) }).then((r) => r.videos),
    getVideo: (id: string, signal?: AbortSignal) => api.get("/videos/{id}", { params: { id }, ...sig(signal) }),
    createVideo: (input: CreateVideo, signal?: AbortSignal) => api.post("/videos", { json: input, ...sig(signal) }),
    completeUpload: (id: string, parts?: UploadedPart[], signal?: AbortSignal) =>
      api.post("/videos/{id}/complete", { params: { id }, json: parts ? { parts } : {}, ...sig(signal) }),
    /** The fleet at a glance: jobs, workers, throughput, videos in progress, failures, dead letters. */
    activity: (signal?: AbortSignal) => api.get("/activity", { ...sig(signal) }),
    /** Sends a dead letter back to the jobs queue: its job runs again with fresh attempts. */
    redrive: (id: string) => api.post("/dead-letters/{id}/redrive", { params: { id } }).then((r) => r.deadLetter),
    /** Processes a failed video again from its stored upload (a new job). */
    retryVideo: (id: string) => api.post("/videos/{id}/retry", { params: { id } }),
    /** The library's model and its latest re-index. */
    reindexStatus: (signal?: AbortSignal) => api.get("/reindex", { ...sig(signal) }),
    /** Re-indexes the library with the configured model (or resumes the run going there). */
    startReindex: () => api.post("/reindex", { json: {} }),
    deleteVideo: (id: string) => api.delete("/videos/{id}", { params: { id } }),

    searchText: (text: string, filters: SearchFilters = {}, signal?: AbortSignal) =>
      api
        .post("/search", {
          json: {
            text,
            ...(filters.videoId ? { videoId: filters.videoId } : {}),
            ...(filters.minScore !== undefined ? { minScore: filters.minScore } : {}),
            ...(filters.kinds?.length ? { kinds: filters.kinds } : {}),
            ...(filters.limit ? { limit: filters.limit } : {}),
          },
          ...sig(signal),
        }),
    searchImage: (image: Blob, filters: SearchFilters = {}, signal?: AbortSignal) =>
      api
        .post("/search/image", {
          form: {
            image,
            ...(filters.videoId ? { videoId: filters.videoId } : {}),
            ...(filters.minScore !== undefined ? { minScore: filters.minScore } : {}),
            ...(filters.kinds?.length ? { kinds: filters.kinds.join(",") } : {}),
            ...(filters.limit ? { limit: filters.limit } : {}),
          },
          ...sig(signal),
        })
        .catch((error: unknown) => {
          // A body too large for the gateway in front of the API never reaches it, so no API
          // message names the limit: say what happened in the API's words.
          if (error instanceof ApiError && error.code === "http.413") {
            throw new ApiError("image.too_large", `The picture is ${formatBytes(image.size)}, too large for the server to receive. Send a smaller picture.`, 413);
          }
          throw error;
        }),

    /** Searches again with a picture a picture search kept (its answer's `picture.id`). */
    searchKeptPicture: (id: string, filters: SearchFilters = {}, signal?: AbortSignal) =>
      api.post("/search/image/{id}", {
        params: { id },
        json: {
          ...(filters.videoId ? { videoId: filters.videoId } : {}),
          ...(filters.minScore !== undefined ? { minScore: filters.minScore } : {}),
          ...(filters.kinds?.length ? { kinds: filters.kinds } : {}),
          ...(filters.limit ? { limit: filters.limit } : {}),
        },
        ...sig(signal),
      }),

    /** A video's objects with their labels; `probable: false` skips the neighbour vote (cheaper). */
    listObjects: (videoId: string, options: { probable?: boolean } = {}, signal?: AbortSignal) =>
      api
        .get("/videos/{id}/objects", { params: { id: videoId }, ...(options.probable === false ? { query: { probable: "false" } } : {}), ...sig(signal) })
        .then((r) => r.objects),
    similarObjects: (objectId: string, query: SimilarQuery, signal?: AbortSignal) =>
      api.post("/objects/{objectId}/similar", { params: { objectId }, json: query, ...sig(signal) }).then((r) => r.hits),
    setLabel: (objectId: string, input: LabelInput) => api.put("/objects/{objectId}/labels", { params: { objectId }, json: input }),
    removeLabel: (objectId: string, label: string) => api.delete("/objects/{objectId}/labels/{label}", { params: { objectId, label } }),
  };
}
