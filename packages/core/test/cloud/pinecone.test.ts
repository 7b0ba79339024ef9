import { Pinecone } from "@pinecone-database/pinecone";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ensurePineconeIndex } from "../../src/vector/pinecone-index.js";
import { modelIndexName } from "../../src/vector/pinecone-owner.js";
import { createPineconeStore, packUpserts, UPSERT_MAX_BYTES } from "../../src/vector/pinecone.js";
import { createLogger } from "../../src/log.js";
import type { VectorRecord, VectorStore } from "../../src/vector/index.js";
import { startPineconeServer, type PineconeServer } from "../support/pinecone-server.js";

const log = createLogger({ test: "pinecone" });
let server: PineconeServer;
let store: VectorStore;
const fast = { retries: 3, baseDelayMs: 5, maxDelayMs: 20 };

const unit = (...values: number[]) => {
  const norm = Math.hypot(...values);
  return values.map((v) => v / norm);
};
const frame = (videoId: string, frameNo: number, values: number[]): VectorRecord => ({
  id: `${videoId}#f${frameNo}`,
  values,
  metadata: { videoId, kind: "frame", timeSec: frameNo, frameNo },
});
/** Deterministic pseudo-random unit vectors. */
function randomVector(seed: number, dimension: number): Float32Array {
  let x = seed * 2654435761;
  const values = new Float32Array(dimension);
  for (let i = 0; i < dimension; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    values[i] = x / 2147483648 - 0.5;
  }
  const norm = Math.hypot(...values);
  return values.map((v) => v / norm);
}

beforeAll(async () => {
  server = await startPineconeServer();
  server.createIndex("frames-4", 4);
  server.createIndex("frames-512", 512);
  store = createPineconeStore({ apiKey: server.apiKey, index: "frames-4", controllerHost: server.url, retry: fast, log, create: { cloud: "aws", region: "us-east-1" } });
});
afterAll(async () => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

describe("Pinecone vector store (real SDK, Pinecone-protocol server)", () => {
  it("upserts into a namespace per tenant and queries best first, with filters", async () => {
    const index = await store.index("model-a", 4);
    await index.upsert("tenant-1", [
      frame("vid_1", 0, unit(1, 0, 0, 0)),
      frame("vid_1", 1, unit(0.9, 0.1, 0, 0)),
      frame("vid_2", 0, unit(0, 1, 0, 0)),
      { id: "vid_1#o1.0", values: unit(1, 0, 0, 0.1), metadata: { videoId: "vid_1", kind: "object", timeSec: 1, frameNo: 1, label: "cat", score: 0.93, box: { x: 0.1, y: 0.2, w: 0.3, h: 0.4 } } },
    ]);
    await index.upsert("tenant-2", [frame("vid_9", 0, unit(1, 0, 0, 0))]);
    expect([...server.vectors("frames-4", "tenant-1").keys()].sort()).toEqual(["vid_1#f0", "vid_1#f1", "vid_1#o1.0", "vid_2#f0"]);

    const hits = await index.query("tenant-1", { vector: unit(1, 0, 0, 0), topK: 10, filter: { kind: "frame" } });
    expect(hits.map((h) => h.id)).toEqual(["vid_1#f0", "vid_1#f1", "vid_2#f0"]);
    expect(hits[0]!.score).toBeCloseTo(1, 5);
    expect(hits[0]!.metadata).toEqual({ videoId: "vid_1", kind: "frame", timeSec: 0, frameNo: 0 });
    expect((await index.query("tenant-1", { vector: unit(1, 0, 0, 0), topK: 10, filter: { videoId: "vid_2" } })).map((h) => h.id)).toEqual(["vid_2#f0"]);
    expect((await index.query("tenant-1", { vector: unit(1, 0, 0, 0), topK: 1 })).map((h) => h.id)).toEqual(["vid_1#f0"]);
    const [object] = await index.query("tenant-1", { vector: unit(1, 0, 0, 0), topK: 1, filter: { kind: "object" } });
    expect(object?.metadata).toEqual({ videoId: "vid_1", kind: "object", timeSec: 1, frameNo: 1, label: "cat", score: 0.93, box: { x: 0.1, y: 0.2, w: 0.3, h: 0.4 } });
    // Tenants never see each other's vectors.
    expect((await index.query("tenant-2", { vector: unit(1, 0, 0, 0), topK: 10 })).map((h) => h.id)).toEqual(["vid_9#f0"]);

    const fetched = await index.fetch("tenant-1", ["vid_1#f1", "vid_missing#f0"]);
    expect([...fetched.keys()]).toEqual(["vid_1#f1"]);
    // Values come back as the same float32 numbers (Pinecone stores float32).
    expect(Array.from(fetched.get("vid_1#f1")!.values, Math.fround)).toEqual(unit(0.9, 0.1, 0, 0).map(Math.fround));
    // The key went with every request.
    expect(server.requests.every((r) => r.apiKey === server.apiKey)).toBe(true);
  });

  it("keeps models apart: a query with another model of the same dimension finds none of the first's vectors", async () => {
    const other = await store.index("model-b", 4);
    expect(await other.query("tenant-1", { vector: unit(1, 0, 0, 0), topK: 10 })).toEqual([]);
    await other.upsert("tenant-1", [frame("vid_5", 0, unit(0, 0, 1, 0))]);
    expect((await other.query("tenant-1", { vector: unit(1, 0, 0, 0), topK: 10 })).map((h) => h.id)).toEqual(["vid_5#f0"]);
    expect((await other.fetch("tenant-1", ["vid_1#f0", "vid_5#f0"])).size).toBe(1);
  });

  it("gives a model of another dimension an index of its own, and names a missing index", async () => {
    const other = await store.index("model-c", 8);
    expect(server.vectors(modelIndexName("frames-4", "model-c"), "tenant-1").size).toBe(0);
    await expect(other.upsert("tenant-1", [frame("vid_8", 0, unit(1, 0, 0, 0))])).rejects.toThrow(/4 dimensions/);
    const missing = createPineconeStore({ apiKey: server.apiKey, index: "no-such-index", controllerHost: server.url, retry: fast, log });
    await expect(missing.index("model-a", 4)).rejects.toMatchObject({ code: "vector.index_missing" });
  });

  it("lists a video's ids by prefix across pages and deletes exactly those", async () => {
    const index = await store.index("model-a", 4);
    const many = Array.from({ length: 250 }, (_, i) => frame("vid_many", i, unit(1, i + 1, 0, 0)));
    await index.upsert("tenant-3", [...many, frame("vid_many2", 0, unit(1, 0, 0, 0)), frame("vid_keep", 0, unit(0, 1, 0, 0))]);
    const ids = await index.listIds("tenant-3", "vid_many#");
    expect(ids).toHaveLength(250);
    expect(new Set(ids)).toEqual(new Set(many.map((r) => r.id)));
    expect(server.requests.filter((r) => r.path === "/vectors/list")).toHaveLength(3);
    // The store lists every model's index: the same ids.
    expect(new Set(await store.listIds("tenant-3", "vid_many#"))).toEqual(new Set(ids));
    expect(await store.deleteByPrefix("tenant-3", "vid_many#")).toBe(250);
    expect([...server.vectors("frames-4", "tenant-3").keys()].sort()).toEqual(["vid_keep#f0", "vid_many2#f0"]);
    expect(await store.deleteByPrefix("tenant-3", "vid_many#")).toBe(0);
  });

  it("splits upserts into requests under 2 MB and 1,000 vectors, keeping float32 values exact", async () => {
    const big = createPineconeStore({ apiKey: server.apiKey, index: "frames-512", controllerHost: server.url, retry: fast, log });
    const index = await big.index("clip-b32", 512);
    server.requests.length = 0; // opening it recorded its owner
    const records = Array.from({ length: 1500 }, (_, i) => ({ ...frame(`vid_big${i % 7}`, i, []), values: randomVector(i + 1, 512) }));
    await index.upsert("tenant-4", records);
    const upserts = server.requests.filter((r) => r.path === "/vectors/upsert");
    expect(upserts.every((r) => r.status === 200 && r.bytes <= UPSERT_MAX_BYTES && (r.records ?? 0) <= 1000)).toBe(true);
    expect(upserts.reduce((sum, r) => sum + (r.records ?? 0), 0)).toBe(1500);
    const sizes = upserts.map((r) => ({ records: r.records, bytes: r.bytes }));
    // 512-dimensional vectors: about 7 kB each with 9 significant digits, so a request carries
    // a few hundred (the shortest double repr would fit about 40% fewer).
    expect(Math.max(...sizes.map((s) => s.records ?? 0))).toBeGreaterThan(250);
    console.info(`pinecone upsert batches for 1500 x 512-d vectors: ${JSON.stringify(sizes)}`);
    const stored = server.vectors("frames-512", "tenant-4");
    expect(stored.size).toBe(1500);
    const sample = stored.get("vid_big3#f17")!.values;
    expect(sample.map((v) => Math.fround(v))).toEqual(Array.from(records[17]!.values));
  });

  it("retries 429s and 5xx with backoff until they pass, and gives up after its retries", async () => {
    const index = await store.index("model-a", 4);
    server.failNext(2, 429, { path: /^\/vectors\/upsert$/, retryAfterSec: 0.01 });
    server.failNext(1, 503, { path: /^\/vectors\/upsert$/ });
    await index.upsert("tenant-5", [frame("vid_r", 0, unit(1, 0, 0, 0))]);
    expect(server.requests.filter((r) => r.path === "/vectors/upsert").map((r) => r.status)).toEqual([429, 429, 503, 200]);
    expect(server.vectors("frames-4", "tenant-5").has("vid_r#f0")).toBe(true);

    server.requests.length = 0;
    // Exactly as many failures as the client tries: none is left over for later tests.
    server.failNext(1 + fast.retries, 500, { path: /^\/query$/ });
    await expect(index.query("tenant-5", { vector: unit(1, 0, 0, 0), topK: 1 })).rejects.toThrow();
    expect(server.requests.filter((r) => r.path === "/query")).toHaveLength(1 + fast.retries);
    server.requests.length = 0;
    // Client errors are not retried.
    await expect(index.upsert("tenant-5", [{ ...frame("vid_r", 1, []), values: [1, 2, 3] }])).rejects.toThrow(/3 dimensions/);
    expect(server.requests).toEqual([]);
  });

  it("reads the API key lazily, once, and reports a wrong one", async () => {
    let asked = 0;
    const lazy = createPineconeStore({ apiKey: async () => (asked++, server.apiKey), index: "frames-4", controllerHost: server.url, retry: fast, log });
    expect(asked).toBe(0);
    await lazy.listIds("tenant-1", "vid_1#");
    await lazy.listIds("tenant-1", "vid_2#");
    expect(asked).toBe(1);
    const wrong = createPineconeStore({ apiKey: "wrong", index: "frames-4", controllerHost: server.url, retry: fast, log });
    await expect(wrong.listIds("tenant-1", "vid_1#")).rejects.toThrow(/API key|401|Invalid/i);
  });
});

describe("two models in one deployment", () => {
  it("keep their vectors apart: the deployment's index stays its first model's, another model's go to an index of their own, made then", async () => {
    const fresh = `models-${Date.now()}`;
    server.createIndex(fresh, 4);
    const deployment = createPineconeStore({ apiKey: server.apiKey, index: fresh, controllerHost: server.url, retry: fast, log, create: { cloud: "aws", region: "us-east-1" } });
    const a = await deployment.index("model-a", 4);
    await a.upsert("tenant-apart", [frame("vid_7", 0, unit(1, 0, 0, 0))]);
    // Another model, of another dimension: an index of its own, named from the deployment's.
    const b = await deployment.index("model-b", 3);
    await b.upsert("tenant-apart", [{ ...frame("vid_7", 0, []), values: unit(0, 1, 0) }]);
    const own = modelIndexName(fresh, "model-b");
    expect(server.vectors(own, "tenant-apart").has("vid_7#f0")).toBe(true);
    expect((await a.query("tenant-apart", { vector: unit(1, 0, 0, 0), topK: 5 })).map((hit) => hit.id)).toEqual(["vid_7#f0"]);
    expect((await b.query("tenant-apart", { vector: unit(0, 1, 0), topK: 5 })).map((hit) => hit.id)).toEqual(["vid_7#f0"]);
    // A second runtime finds the same owner (recorded in the index) and the same model index.
    const again = createPineconeStore({ apiKey: server.apiKey, index: fresh, controllerHost: server.url, retry: fast, log });
    expect((await (await again.index("model-b", 3)).listIds("tenant-apart", "vid_7#"))).toEqual(["vid_7#f0"]);
    // Deleting a video reaches every model's index; deleting from one model's set leaves the other's.
    await b.deleteByPrefix("tenant-apart", "vid_7#");
    expect(await a.listIds("tenant-apart", "vid_7#")).toEqual(["vid_7#f0"]);
    await b.upsert("tenant-apart", [{ ...frame("vid_7", 0, []), values: unit(0, 1, 0) }]);
    expect(await deployment.deleteByPrefix("tenant-apart", "vid_7#")).toBe(2);
    expect(await deployment.listIds("tenant-apart", "vid_7#")).toEqual([]);
  });

  it("adopts an index filled before owners were recorded by the model of its vectors, and makes no index where it may not", async () => {
    const legacy = `legacy-${Date.now()}`;
    server.createIndex(legacy, 4);
    // Vectors of model-a as an earlier release wrote them: no owner record.
    const sdk = new Pinecone({ apiKey: server.apiKey, controllerHostUrl: server.url });
    await sdk.index(legacy, server.hostOf(legacy)).upsert({
      namespace: "tenant-1",
      records: [{ id: "vid_1#f0", values: unit(1, 0, 0, 0), metadata: { videoId: "vid_1", kind: "frame", timeSec: 0, frameNo: 0, model: "model-a" } }],
    });
    const store2 = createPineconeStore({ apiKey: server.apiKey, index: legacy, controllerHost: server.url, retry: fast, log });
    await expect(store2.index("model-z", 4)).rejects.toMatchObject({ code: "vector.index_missing" });
    expect(await (await store2.index("model-a", 4)).listIds("tenant-1", "vid_1#")).toEqual(["vid_1#f0"]);
  });
});

describe("packUpserts", () => {
  it("packs in order within the byte and count limits, and refuses a record that fits nowhere", () => {
    const records = Array.from({ length: 10 }, (_, i) => ({ id: `r${i}`, pad: "x".repeat(100) }));
    const batches = packUpserts(records, { maxBytes: 400, maxRecords: 3 });
    expect(batches.flat()).toEqual(records);
    expect(batches.every((b) => b.length <= 3 && Buffer.byteLength(JSON.stringify({ vectors: b, namespace: "" })) <= 400)).toBe(true);
    expect(() => packUpserts([{ id: "huge", pad: "x".repeat(1000) }], { maxBytes: 400 })).toThrow(/more than an upsert/);
  });
});

describe("Pinecone index script", () => {
  it("creates a missing serverless cosine index of the model's dimension, waits for it, and keeps an existing one", async () => {
    server.setReadyAfterPolls(1);
    const options = { apiKey: server.apiKey, index: "created-by-script", dimension: 16, cloud: "aws" as const, region: "us-east-1", controllerHost: server.url, log, retry: fast };
    const first = await ensurePineconeIndex(options);
    expect(first).toEqual({ created: true, host: server.hostOf("created-by-script"), dimension: 16 });
    const creates = server.requests.filter((r) => r.method === "POST" && r.path === "/indexes");
    expect(creates).toHaveLength(1);
    expect(server.requests.filter((r) => r.method === "GET" && r.path === "/indexes/created-by-script").length).toBeGreaterThanOrEqual(2);
    expect(await ensurePineconeIndex(options)).toMatchObject({ created: false });
    await expect(ensurePineconeIndex({ ...options, dimension: 32 })).rejects.toMatchObject({ code: "vector.index_mismatch" });
    server.setReadyAfterPolls(0);
  });
});
