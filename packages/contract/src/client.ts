import { errorFrom } from "./api-error.js";
import type { Answer, Method, PathsOf, RequestInput } from "./routes.js";

/** The transport a client sends through: the network, or an app's own `fetch` in the same process. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export interface ContractClientOptions {
  /** The API's root, ending in `/api` (relative, such as `/api`, where the runtime resolves it). */
  baseUrl: string;
  /** Adds what the caller needs (a token, a retry after a refresh); what it throws goes to the caller as it is. */
  fetch: Fetch;
}

/** A request as the untyped core sees it. */
interface Sent {
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  json?: unknown;
  form?: Record<string, unknown>;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/** No argument where a route needs nothing, else the one its parameters and body require. */
type Args<P extends PathsOf<M>, M extends Method> = object extends RequestInput<P, M> ? [input?: RequestInput<P, M>] : [input: RequestInput<P, M>];

/**
 * A client typed by the generated document: each call names a route as the document does
 * (`api.get("/videos/{id}", { params: { id } })`) and answers the route's success JSON; any
 * other answer is thrown as an ApiError. It keeps the plain `(url, init)` fetch the apps and their
 * tests already use, and a relative base, which a `Request`-based client cannot take.
 */
export function createContractClient(options: ContractClientOptions) {
  const base = options.baseUrl.replace(/\/+$/, "");

  async function request(method: Method, path: string, input: Sent = {}): Promise<unknown> {
    const init: RequestInit = { method: method.toUpperCase() };
    if (input.signal) init.signal = input.signal;
    const headers: Record<string, string> = { ...input.headers };
    if (input.json !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(input.json);
    } else if (input.form !== undefined) {
      init.body = formOf(input.form);
    }
    if (Object.keys(headers).length) init.headers = headers;
    const response = await options.fetch(urlOf(base, path, input.params, input.query), init);
    if (!response.ok) throw await errorFrom(response);
    return response.json();
  }

  const route =
    <M extends Method>(method: M) =>
    <P extends PathsOf<M>>(path: P, ...[input]: Args<P, M>) =>
      request(method, path, input as Sent | undefined) as Promise<Answer<P, M>>;

  return { get: route("get"), post: route("post"), put: route("put"), delete: route("delete") };
}

export type ContractClient = ReturnType<typeof createContractClient>;

/** `/videos/{id}` with `{ id }` filled in (encoded: object ids hold a `#`), then the query. */
function urlOf(base: string, path: string, params: Record<string, unknown> = {}, query: Record<string, unknown> = {}): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (params[name] === undefined) throw new Error(`${path} needs its ${name}.`);
    return encodeURIComponent(String(params[name]));
  });
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, String(value));
  const rest = search.toString();
  return `${base}${filled}${rest ? `?${rest}` : ""}`;
}

/** Multipart fields: files keep their name, other values are sent as text, absent ones left out. */
function formOf(fields: Record<string, unknown>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    if (value instanceof Blob) form.append(name, value, value instanceof File ? value.name : name);
    else form.append(name, String(value));
  }
  return form;
}
