/**
 * A server that speaks Pinecone's HTTP protocol, for tests of the Pinecone adapter with the real
 * SDK: the control plane the SDK calls to describe and create indexes, and each index's data
 * plane (upsert, query with namespace and metadata filter, fetch, list by id prefix with
 * pagination, delete by ids, describe_index_stats), with Pinecone's limits (2 MB and 1,000
 * vectors an upsert, 100 ids a list page, 1,000 ids a delete, no delete by filter on serverless).
 * Listens on 127.0.0.1 on a random port; index hosts are `http://127.0.0.1:PORT/data/<index>`.
 * Faults (429, 5xx) can be injected to test retries.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const UPSERT_LIMIT_BYTES = 2_000_000;
const UPSERT_LIMIT_RECORDS = 1000;
const LIST_LIMIT = 100;
const DELETE_LIMIT = 1000;

type Metadata = Record<string, string | number | boolean | string[]>;
interface StoredVector {
  id: string;
  values: number[];
  metadata?: Metadata;
}
interface IndexState {
  name: string;
  dimension: number;
  metric: "cosine" | "euclidean" | "dotproduct";
  spec: unknown;
  /** describe_index calls left before the index reports ready. */
  pollsUntilReady: number;
  namespaces: Map<string, Map<string, StoredVector>>;
}

export interface LoggedRequest {
  method: string;
  /** Path without the index prefix, e.g. /vectors/upsert or /indexes/my-index. */
  path: string;
  index?: string;
  status: number;
  /** Request body size. */
  bytes: number;
  /** Vectors in an upsert. */
  records?: number;
  apiKey?: string;
  /** When the request arrived (Date.now()), so tests can see retry backoff. */
  at: number;
}

interface Fault {
  status: number;
  remaining: number;
  path?: RegExp;
  retryAfterSec?: number;
}

export interface PineconeServer {
  /** Control-plane URL (the SDK's controllerHostUrl). */
  url: string;
  apiKey: string;
  /** Data-plane host of an index. */
  hostOf(index: string): string;
  createIndex(name: string, dimension: number, options?: { metric?: IndexState["metric"] }): string;
  /** Stored vectors of one namespace. */
  vectors(index: string, namespace: string): Map<string, StoredVector>;
  requests: LoggedRequest[];
  /** The next `count` requests (whose path matches) answer `status` instead. */
  failNext(count: number, status: number, options?: { path?: RegExp; retryAfterSec?: number }): void;
  /** New indexes report ready only after this many describe calls (the SDK's wait-until-ready). */
  setReadyAfterPolls(polls: number): void;
  /**
   * Called after an upsert is stored and before it is answered, so a test can act in between
   * (kill the caller once its vectors are written but before it hears so).
   */
  onUpserted?: (ids: string[], namespace: string) => void | Promise<void>;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === "string" ? body : JSON.stringify(body));
  }
}

const controlError = (status: number, code: string, message: string) => new HttpError(status, { error: { code, message }, status });
const dataError = (status: number, message: string) => new HttpError(status, { code: status === 400 ? 3 : 2, message, details: [] });

function matches(metadata: Metadata | undefined, filter: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    if (key === "$and") return (condition as Record<string, unknown>[]).every((sub) => matches(metadata, sub));
    if (key === "$or") return (condition as Record<string, unknown>[]).some((sub) => matches(metadata, sub));
    const value = metadata?.[key];
    const ops = condition !== null && typeof condition === "object" && !Array.isArray(condition) ? (condition as Record<string, unknown>) : { $eq: condition };
    return Object.entries(ops).every(([op, operand]) => {
      switch (op) {
        case "$eq":
          return Array.isArray(value) ? value.includes(operand as string) : value === operand;
        case "$ne":
          return value !== operand;
        case "$gt":
          return typeof value === "number" && value > (operand as number);
        case "$gte":
          return typeof value === "number" && value >= (operand as number);
        case "$lt":
          return typeof value === "number" && value < (operand as number);
        case "$lte":
          return typeof value === "number" && value <= (operand as number);
        case "$in":
          return (operand as unknown[]).includes(value);
        case "$nin":
          return !(operand as unknown[]).includes(value);
        case "$exists":
          return (value !== undefined) === operand;
        default:
          throw dataError(400, `unsupported filter operator ${op}`);
      }
    });
  });
}

function score(metric: IndexState["metric"], a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  let squared = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
    squared += (x - y) ** 2;
  }
  if (metric === "dotproduct") return dot;
  if (metric === "euclidean") return squared;
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export async function startPineconeServer(options: { apiKey?: string } = {}): Promise<PineconeServer> {
  const apiKey = options.apiKey ?? "test-pinecone-key";
  const indexes = new Map<string, IndexState>();
  const requests: LoggedRequest[] = [];
  const faults: Fault[] = [];
  let readyAfterPolls = 0;
  let base = "";

  const model = (index: IndexState) => ({
    name: index.name,
    dimension: index.dimension,
    metric: index.metric,
    host: `${base}/data/${index.name}`,
    spec: index.spec,
    status: { ready: index.pollsUntilReady <= 0, state: index.pollsUntilReady <= 0 ? "Ready" : "Initializing" },
    vector_type: "dense",
    deletion_protection: "disabled",
    tags: null,
  });

  const addIndex = (name: string, dimension: number, metric: IndexState["metric"] = "cosine", spec: unknown = { serverless: { cloud: "aws", region: "us-east-1" } }) => {
    const state: IndexState = { name, dimension, metric, spec, pollsUntilReady: readyAfterPolls, namespaces: new Map() };
    indexes.set(name, state);
    return state;
  };
  const namespace = (index: IndexState, name: string) => {
    let vectors = index.namespaces.get(name);
    if (!vectors) index.namespaces.set(name, (vectors = new Map()));
    return vectors;
  };

  function control(method: string, path: string, body: Record<string, unknown>): [number, unknown] {
    if (path === "/indexes" && method === "GET") return [200, { indexes: [...indexes.values()].map(model) }];
    if (path === "/indexes" && method === "POST") {
      const name = String(body.name ?? "");
      if (!/^[a-z0-9][a-z0-9-]{0,44}$/.test(name)) throw controlError(400, "INVALID_ARGUMENT", `Invalid index name '${name}'`);
      if (indexes.has(name)) throw controlError(409, "ALREADY_EXISTS", `Resource ${name} already exists`);
      const dimension = Number(body.dimension);
      if (!Number.isInteger(dimension) || dimension < 1) throw controlError(400, "INVALID_ARGUMENT", "dimension must be a positive integer");
      return [201, model(addIndex(name, dimension, (body.metric as IndexState["metric"]) ?? "cosine", body.spec))];
    }
    const named = /^\/indexes\/([^/]+)$/.exec(path);
    if (named) {
      const index = indexes.get(decodeURIComponent(named[1]!));
      if (!index) throw controlError(404, "NOT_FOUND", `Resource ${named[1]} not found`);
      if (method === "GET") {
        const described = model(index);
        index.pollsUntilReady--;
        return [200, described];
      }
      if (method === "DELETE") {
        indexes.delete(index.name);
        return [202, ""];
      }
    }
    throw controlError(404, "NOT_FOUND", `No route ${method} ${path}`);
  }

  function data(index: IndexState, method: string, path: string, body: Record<string, unknown>, query: URLSearchParams, bytes: number, log: LoggedRequest): [number, unknown] {
    if (method === "POST" && path === "/vectors/upsert") {
      const vectors = (body.vectors ?? []) as StoredVector[];
      log.records = vectors.length;
      if (bytes > UPSERT_LIMIT_BYTES) throw dataError(400, `Request size ${bytes} bytes exceeds the maximum supported size of ${UPSERT_LIMIT_BYTES} bytes`);
      if (vectors.length > UPSERT_LIMIT_RECORDS) throw dataError(400, `Upsert of ${vectors.length} vectors exceeds the maximum of ${UPSERT_LIMIT_RECORDS}`);
      for (const vector of vectors) {
        if (!vector.id) throw dataError(400, "Vector id must not be empty");
        if (vector.values?.length !== index.dimension) {
          throw dataError(400, `Vector dimension ${vector.values?.length ?? 0} does not match the dimension of the index ${index.dimension}`);
        }
      }
      const stored = namespace(index, String(body.namespace ?? ""));
      for (const vector of vectors) stored.set(vector.id, { id: vector.id, values: vector.values, ...(vector.metadata ? { metadata: vector.metadata } : {}) });
      return [200, { upsertedCount: vectors.length }];
    }
    if (method === "POST" && path === "/query") {
      const ns = String(body.namespace ?? "");
      const topK = Number(body.topK);
      if (!Number.isInteger(topK) || topK < 1 || topK > 10_000) throw dataError(400, "topK must be between 1 and 10000");
      let vector = body.vector as number[] | undefined;
      if (!vector && body.id) vector = index.namespaces.get(ns)?.get(String(body.id))?.values;
      if (!vector || vector.length !== index.dimension) throw dataError(400, `Query vector dimension ${vector?.length ?? 0} does not match the dimension of the index ${index.dimension}`);
      const filter = (body.filter ?? {}) as Record<string, unknown>;
      const candidates = [...(index.namespaces.get(ns)?.values() ?? [])].filter((v) => matches(v.metadata, filter));
      const scored = candidates.map((v) => ({ v, score: score(index.metric, vector!, v.values) }));
      scored.sort((a, b) => (index.metric === "euclidean" ? a.score - b.score : b.score - a.score));
      return [
        200,
        {
          results: [],
          matches: scored.slice(0, topK).map(({ v, score: s }) => ({
            id: v.id,
            score: s,
            values: body.includeValues ? v.values : [],
            ...(body.includeMetadata && v.metadata ? { metadata: v.metadata } : {}),
          })),
          namespace: ns,
          usage: { readUnits: 1 },
        },
      ];
    }
    if (method === "GET" && path === "/vectors/fetch") {
      const ns = query.get("namespace") ?? "";
      const found = Object.fromEntries(
        query
          .getAll("ids")
          .flatMap((id) => {
            const v = index.namespaces.get(ns)?.get(id);
            return v ? [[id, v] as const] : [];
          }),
      );
      return [200, { vectors: found, namespace: ns, usage: { readUnits: 1 } }];
    }
    if (method === "GET" && path === "/vectors/list") {
      const ns = query.get("namespace") ?? "";
      const limit = Number(query.get("limit") ?? LIST_LIMIT);
      if (!Number.isInteger(limit) || limit < 1 || limit > LIST_LIMIT) throw dataError(400, `limit must be between 1 and ${LIST_LIMIT}`);
      const prefix = query.get("prefix") ?? "";
      const after = query.get("paginationToken") ? Buffer.from(query.get("paginationToken")!, "base64url").toString() : undefined;
      const ids = [...(index.namespaces.get(ns)?.keys() ?? [])].filter((id) => id.startsWith(prefix) && (after === undefined || id > after)).sort();
      const page = ids.slice(0, limit);
      return [
        200,
        {
          vectors: page.map((id) => ({ id })),
          ...(ids.length > limit ? { pagination: { next: Buffer.from(page[page.length - 1]!).toString("base64url") } } : {}),
          namespace: ns,
          usage: { readUnits: 1 },
        },
      ];
    }
    if (method === "POST" && path === "/vectors/delete") {
      const ns = String(body.namespace ?? "");
      if (body.filter) throw dataError(400, "Serverless and Starter indexes do not support deleting with metadata filtering");
      const stored = index.namespaces.get(ns);
      if (body.deleteAll) {
        index.namespaces.delete(ns);
        return [200, {}];
      }
      const ids = (body.ids ?? []) as string[];
      if (ids.length > DELETE_LIMIT) throw dataError(400, `Delete of ${ids.length} ids exceeds the maximum of ${DELETE_LIMIT}`);
      for (const id of ids) stored?.delete(id);
      return [200, {}];
    }
    if (method === "POST" && path === "/describe_index_stats") {
      const namespaces = Object.fromEntries([...index.namespaces].map(([name, vectors]) => [name, { vectorCount: vectors.size }]));
      const total = [...index.namespaces.values()].reduce((sum, vectors) => sum + vectors.size, 0);
      return [200, { namespaces, dimension: index.dimension, indexFullness: 0, totalVectorCount: total, metric: index.metric, vectorType: "dense" }];
    }
    throw dataError(404, `No route ${method} ${path}`);
  }

  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(request.url ?? "/", base);
    const method = request.method ?? "GET";
    const dataPath = /^\/data\/([^/]+)(\/.*)$/.exec(url.pathname);
    const log: LoggedRequest = {
      at: Date.now(),
      method,
      path: dataPath ? dataPath[2]! : url.pathname,
      ...(dataPath ? { index: decodeURIComponent(dataPath[1]!) } : {}),
      status: 200,
      bytes: raw.length,
      ...(typeof request.headers["api-key"] === "string" ? { apiKey: request.headers["api-key"] } : {}),
    };
    requests.push(log);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      log.status = status;
      const text = typeof body === "string" ? body : JSON.stringify(body);
      response.writeHead(status, { "content-type": "application/json", ...headers });
      response.end(text);
    };
    try {
      const fault = faults.find((f) => f.remaining > 0 && (!f.path || f.path.test(log.path)));
      if (fault) {
        fault.remaining--;
        reply(fault.status, { code: fault.status === 429 ? 8 : 13, message: fault.status === 429 ? "Too many requests" : "Internal error", details: [] }, fault.retryAfterSec ? { "retry-after": String(fault.retryAfterSec) } : {});
        return;
      }
      if (request.headers["api-key"] !== apiKey) throw controlError(401, "UNAUTHENTICATED", "Invalid API Key");
      let body: Record<string, unknown> = {};
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
        } catch {
          throw dataError(400, "malformed JSON body");
        }
      }
      if (dataPath) {
        const index = indexes.get(log.index!);
        if (!index) throw dataError(404, `index ${log.index} not found`);
        const [status, payload] = data(index, method, log.path, body, url.searchParams, raw.length, log);
        if (log.path === "/vectors/upsert" && status === 200 && handle.onUpserted) {
          await handle.onUpserted(((body.vectors ?? []) as StoredVector[]).map((v) => v.id), String(body.namespace ?? ""));
        }
        reply(status, payload);
      } else {
        const [status, payload] = control(method, log.path, body);
        reply(status, payload);
      }
    } catch (error) {
      if (error instanceof HttpError) reply(error.status, error.body);
      else reply(500, { code: 13, message: error instanceof Error ? error.message : String(error), details: [] });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const handle: PineconeServer = {
    url: base,
    apiKey,
    hostOf: (index) => `${base}/data/${index}`,
    createIndex(name, dimension, indexOptions = {}) {
      addIndex(name, dimension, indexOptions.metric ?? "cosine").pollsUntilReady = 0;
      return `${base}/data/${name}`;
    },
    vectors(index, ns) {
      return indexes.get(index)?.namespaces.get(ns) ?? new Map();
    },
    requests,
    failNext(count, status, faultOptions = {}) {
      faults.push({ status, remaining: count, ...faultOptions });
    },
    setReadyAfterPolls(polls) {
      readyAfterPolls = polls;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return handle;
}
