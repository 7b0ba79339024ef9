import {
  ApiError,
  createContractClient,
  errorFrom,
  type CreateVideo,
  type LabelInput,
  type SimilarRequest,
  type TextSearch,
  type UploadedPart,
  type UploadProgress,
  type VideoView,
} from "@vos/contract";
import { noCredentials, staticToken, type Credentials } from "./auth/credentials.js";
import { uploadFile, type UploadOptions } from "./upload/upload-file.js";

export { ApiError } from "@vos/contract";

type Fetch = (request: Request) => Promise<Response>;
type Body = RequestInit["body"];

/** Search filters both search routes take. */
export type SearchFilters = Omit<TextSearch, "text">;

/**
 * The HTTP API from the CLI's side. `fetch` is either the network (VOS_API_URL) or the Hono
 * app's own `fetch` in this process: one client, whichever runtime answers. `credentials`
 * (VOS_API_TOKEN, or a stored `vos login`) give the bearer token sent with every request; a 401
 * renews a sign-in once and sends the request again.
 */
export function createClient(baseUrl: string, fetch: Fetch, credentials?: string | Credentials) {
  const auth = typeof credentials === "string" ? staticToken(credentials) : (credentials ?? noCredentials);
  const url = (p: string) => new URL(p, baseUrl).toString();
  const apiBase = url("/api");

  /** One request as it goes out; a transport failure becomes api.unreachable. */
  async function sendOnce(target: string, init: RequestInit, token: string | undefined, body: Body | undefined): Promise<Response> {
    const headers = new Headers(init.headers);
    if (token) headers.set("authorization", `Bearer ${token}`);
    try {
      return await fetch(new Request(target, { ...init, headers, ...(body != null ? { body, duplex: "half" } : {}) } as RequestInit));
    } catch (error) {
      throw new ApiError("api.unreachable", `Cannot reach the API at ${baseUrl}: ${error instanceof Error ? error.message : String(error)}`, 0);
    }
  }

  /**
   * A request with the bearer token (to the API only, never to another origin such as a presigned
   * storage URL), sent again once after renewing a sign-in that got a 401. `body`, when given,
   * makes the body afresh for each send (a stream cannot be sent twice).
   */
  async function send(target: string, init: RequestInit, body: () => Body | undefined = () => init.body): Promise<Response> {
    const ours = new URL(target).origin === new URL(baseUrl).origin;
    let response = await sendOnce(target, init, ours ? await auth.token() : undefined, body());
    if (response.status === 401 && ours && auth.kind === "sign-in") {
      await response.body?.cancel();
      if (await auth.renew()) response = await sendOnce(target, init, await auth.token(), body());
    }
    if (response.status === 401 && ours && auth.kind === "none") throw await signInNeeded(await errorFrom(response));
    return response;
  }

  const api = createContractClient({ baseUrl: apiBase, fetch: (target, init) => send(target, init) });
  // Asks how to sign in without the sign-in handling above (so a 401 here cannot ask again).
  const open = createContractClient({ baseUrl: apiBase, fetch: (target, init) => sendOnce(target, init, undefined, init.body) });

  /** The API wants a sign-in this process has none of: say which one and how to get it. */
  async function signInNeeded(problem: ApiError): Promise<ApiError> {
    const method = await open.get("/auth").catch(() => undefined);
    if (method?.kind === "cognito") return new ApiError("auth.login_required", `The API at ${baseUrl} needs you to sign in: run \`vos login\`.`, 401);
    if (method?.kind === "token") return new ApiError(problem.code, `The API at ${baseUrl} needs its access token: set VOS_API_TOKEN.`, 401);
    return problem;
  }

  /** A request to a URL the API handed out (a `put` upload target), answered in JSON. */
  async function toTarget<T>(method: string, target: string, init: CallInit = {}): Promise<T> {
    const response = await send(url(target), { method, ...(init.headers ? { headers: init.headers } : {}) }, init.body);
    if (!response.ok) throw await errorFrom(response);
    return (await response.json()) as T;
  }

  const client = {
    baseUrl,
    absolute: url,
    health: () => api.get("/health"),
    activity: () => api.get("/activity"),
    redrive: (id: string) => api.post("/dead-letters/{id}/redrive", { params: { id } }).then((r) => r.deadLetter),
    signInMethod: () => api.get("/auth"),
    listVideos: () => api.get("/videos", { query: { limit: 500 } }).then((r) => r.videos),
    getVideo: (id: string) => api.get("/videos/{id}", { params: { id } }),
    retryVideo: (id: string) => api.post("/videos/{id}/retry", { params: { id } }),
    reindexStatus: () => api.get("/reindex"),
    startReindex: (model?: string) => api.post("/reindex", { json: model ? { model } : {} }),
    deleteVideo: (id: string) => api.delete("/videos/{id}", { params: { id } }),
    objects: (videoId: string) => api.get("/videos/{id}/objects", { params: { id: videoId } }).then((r) => r.objects),
    tracks: (videoId: string) => api.get("/videos/{id}/tracks", { params: { id: videoId } }).then((r) => r.tracks),
    similar: (objectId: string, query: SimilarRequest) => api.post("/objects/{objectId}/similar", { params: { objectId }, json: query }).then((r) => r.hits),
    label: (objectId: string, input: LabelInput) => api.put("/objects/{objectId}/labels", { params: { objectId }, json: input }),
    unlabel: (objectId: string, label: string) => api.delete("/objects/{objectId}/labels/{label}", { params: { objectId, label } }),
    /** Hits, and what the search could not reach (videos another model indexed). */
    search: (query: TextSearch) => api.post("/search", { json: query }),
    /** A picture search; the caller sends a picture already sized for it (see image-query.ts). */
    searchImage: (image: { bytes: Uint8Array; name: string; type: string }, filters: SearchFilters) =>
      api
        .post("/search/image", {
          form: {
            // A copy in an ArrayBuffer of its own: what File takes under the DOM's types too.
            image: new File([image.bytes.slice()], image.name, { type: image.type }),
            ...(filters.videoId ? { videoId: filters.videoId } : {}),
            ...(filters.limit ? { limit: filters.limit } : {}),
            ...(filters.minScore !== undefined ? { minScore: filters.minScore } : {}),
            ...(filters.kinds ? { kinds: filters.kinds.join(",") } : {}),
            ...(filters.includeProcessing !== undefined ? { includeProcessing: String(filters.includeProcessing) as "true" | "false" } : {}),
          },
        }),

    // The upload protocol, step by step (upload/ drives it).
    createVideo: (input: CreateVideo) => api.post("/videos", { json: input }),
    /** Fresh URLs for the rest of an unfinished upload (presigned part URLs expire). */
    renewUpload: (id: string) => api.post("/videos/{id}/upload/parts", { params: { id } }).then((r) => r.upload),
    /** Bytes a `put` target received so far. */
    received: (targetUrl: string) => toTarget<UploadProgress>("GET", targetUrl),
    /** One PUT to a `put` target: the whole file, or a chunk with its Content-Range. `body` is called again for a resend. */
    putBytes: (targetUrl: string, headers: Record<string, string>, body: () => Body) => toTarget<UploadProgress>("PUT", targetUrl, { headers, body }),
    completeVideo: (id: string, parts?: UploadedPart[]) => api.post("/videos/{id}/complete", { params: { id }, ...(parts ? { json: { parts } } : {}) }),

    /** Registers (or resumes), uploads with progress, and completes one file. */
    uploadFile: (file: string, options: UploadOptions = {}): Promise<VideoView> => uploadFile(client, file, options).then((r) => r.video),
  };
  return client;
}

interface CallInit {
  /** Makes the body afresh for each send (a stream cannot be sent twice). */
  body?: () => Body;
  headers?: Record<string, string>;
}

export type Client = ReturnType<typeof createClient>;
