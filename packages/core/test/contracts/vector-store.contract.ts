/**
 * The VectorStore contract: what ingest, search, labels and deletes rely on from every vector
 * store (pgvector, Pinecone). Each test uses models and tenants (namespaces) of its own.
 *
 * Not covered here: `VectorIndex.listIds` / `deleteByPrefix` with several models' vectors under
 * one prefix (pgvector answers for the index's model, Pinecone for every model in the index; the
 * domain only uses the store-wide ones, which agree); opening a model of another dimension
 * (pgvector makes a table for it, a Pinecone index has one dimension and refuses: tested in
 * cloud/pinecone.test.ts); ranking quality at scale (the search benchmark measures recall).
 */
import { beforeAll, afterAll, describe, expect, it } from "vitest";
import type { VectorMetadata, VectorRecord, VectorStore } from "../../src/vector/index.js";
import { unique } from "./support.js";

export interface VectorStoreHarness {
  store: VectorStore;
  /** The one dimension these tests use (a Pinecone index has exactly one). */
  dimension: 4;
  close(): Promise<void>;
}

const unit = (...values: number[]) => {
  const norm = Math.hypot(...values);
  return values.map((v) => v / norm);
};
const frame = (videoId: string, frameNo: number, values: number[]): VectorRecord => ({
  id: `${videoId}#f${frameNo}`,
  values,
  metadata: { videoId, kind: "frame", timeSec: frameNo / 2, frameNo },
});
const object = (videoId: string, frameNo: number, k: number, values: number[], extra: Partial<VectorMetadata> = {}): VectorRecord => ({
  id: `${videoId}#o${frameNo}.${k}`,
  values,
  metadata: { videoId, kind: "object", timeSec: frameNo / 2, frameNo, label: "dog", score: 0.875, box: { x: 0.125, y: 0.25, w: 0.5, h: 0.375 }, ...extra },
});
const sorted = (ids: string[]) => [...ids].sort();

export function describeVectorStoreContract(name: string, makeAdapter: () => Promise<VectorStoreHarness>): void {
  describe(`VectorStore contract: ${name}`, () => {
    let harness: VectorStoreHarness;
    let store: VectorStore;
    beforeAll(async () => {
      harness = await makeAdapter();
      store = harness.store;
    });
    afterAll(async () => harness?.close());
    const openIndex = () => store.index(unique("model"), harness.dimension);

    it("fetches stored vectors by id: values to float32 precision, metadata whole; unknown ids are absent", async () => {
      const index = await openIndex();
      const tenant = unique("t");
      const records = [frame("v1", 3, unit(0.1, 0.2, 0.3, 0.4)), object("v1", 3, 0, unit(1, 2, 3, 5))];
      await index.upsert(tenant, records);
      const found = await index.fetch(tenant, [...records.map((r) => r.id), "v1#f999"]);
      expect(sorted([...found.keys()])).toEqual(sorted(records.map((r) => r.id)));
      for (const record of records) {
        const stored = found.get(record.id)!;
        expect(stored.id).toBe(record.id);
        expect(stored.metadata).toEqual(record.metadata);
        Array.from(stored.values).forEach((value, i) => expect(value).toBeCloseTo(record.values[i]!, 6));
      }
      expect((await index.fetch(tenant, [])).size).toBe(0);
    });

    it("upserts idempotently: the same id again, even twice in one call, leaves one vector with the last values", async () => {
      const index = await openIndex();
      const tenant = unique("t");
      await index.upsert(tenant, [frame("v1", 0, unit(1, 0, 0, 0))]);
      await index.upsert(tenant, [frame("v1", 0, unit(0, 1, 0, 0))]);
      await index.upsert(tenant, [frame("v1", 1, unit(1, 0, 0, 0)), { ...frame("v1", 1, unit(0, 0, 1, 0)), metadata: { ...frame("v1", 1, []).metadata, timeSec: 9 } }]);
      expect(await store.listIds(tenant, "v1#")).toEqual(["v1#f0", "v1#f1"]);
      const hits = await index.query(tenant, { vector: unit(0, 1, 0, 0), topK: 10 });
      expect(sorted(hits.map((h) => h.id))).toEqual(["v1#f0", "v1#f1"]);
      expect(hits[0]).toMatchObject({ id: "v1#f0" });
      expect(hits[0]!.score).toBeCloseTo(1, 5);
      const stored = await index.fetch(tenant, ["v1#f1"]);
      expect(stored.get("v1#f1")!.metadata.timeSec).toBe(9);
      expect(stored.get("v1#f1")!.values[2]).toBeCloseTo(1, 6);
      await index.upsert(tenant, []);
      expect(await store.listIds(tenant, "")).toHaveLength(2);
    });

    it("answers best first by cosine similarity, at most topK", async () => {
      const index = await openIndex();
      const tenant = unique("t");
      await index.upsert(tenant, [
        frame("v1", 0, unit(1, 0, 0, 0)),
        frame("v1", 1, unit(1, 1, 0, 0)),
        frame("v1", 2, unit(0, 1, 0, 0)),
        frame("v1", 3, unit(-1, 0, 0, 0)),
        frame("v1", 4, unit(1, 0.2, 0, 0)),
      ]);
      const all = await index.query(tenant, { vector: unit(1, 0, 0, 0), topK: 100 });
      expect(all.map((h) => h.id)).toEqual(["v1#f0", "v1#f4", "v1#f1", "v1#f2", "v1#f3"]);
      const expected = [1, 1 / Math.hypot(1, 0.2), Math.SQRT1_2, 0, -1];
      all.forEach((hit, i) => expect(hit.score).toBeCloseTo(expected[i]!, 5));
      expect(all[0]!.metadata).toEqual(frame("v1", 0, []).metadata);
      expect((await index.query(tenant, { vector: unit(1, 0, 0, 0), topK: 2 })).map((h) => h.id)).toEqual(["v1#f0", "v1#f4"]);
    });

    it("filters by video and by kind, alone or together; a filter that matches nothing gives nothing", async () => {
      const index = await openIndex();
      const tenant = unique("t");
      await index.upsert(tenant, [frame("v1", 0, unit(1, 0, 0, 0)), object("v1", 0, 0, unit(1, 0.1, 0, 0)), frame("v2", 0, unit(1, 0.2, 0, 0)), object("v2", 0, 0, unit(1, 0.3, 0, 0))]);
      const ids = async (filter: { videoId?: string; kind?: "frame" | "object" }) => sorted((await index.query(tenant, { vector: unit(1, 0, 0, 0), topK: 10, filter })).map((h) => h.id));
      expect(await ids({ videoId: "v2" })).toEqual(["v2#f0", "v2#o0.0"]);
      expect(await ids({ kind: "object" })).toEqual(["v1#o0.0", "v2#o0.0"]);
      expect(await ids({ videoId: "v1", kind: "frame" })).toEqual(["v1#f0"]);
      expect(await ids({ videoId: "v3" })).toEqual([]);
      const [hit] = await index.query(tenant, { vector: unit(1, 0, 0, 0), topK: 1, filter: { kind: "object" } });
      expect(hit!.metadata).toEqual(object("v1", 0, 0, []).metadata);
    });

    it("keeps tenants apart: one namespace never sees, lists or deletes another's vectors", async () => {
      const index = await openIndex();
      const [alice, bob] = [unique("alice"), unique("bob")];
      await index.upsert(alice, [frame("v1", 0, unit(1, 0, 0, 0))]);
      await index.upsert(bob, [frame("v1", 0, unit(0, 1, 0, 0)), frame("v2", 0, unit(0, 0, 1, 0))]);
      expect((await index.query(alice, { vector: unit(0, 1, 0, 0), topK: 10 })).map((h) => h.id)).toEqual(["v1#f0"]);
      expect((await index.fetch(alice, ["v2#f0"])).size).toBe(0);
      expect(await store.listIds(alice, "")).toEqual(["v1#f0"]);
      expect(await store.deleteByPrefix(bob, "v1#")).toBe(1);
      expect((await index.fetch(alice, ["v1#f0"])).get("v1#f0")!.values[0]).toBeCloseTo(1, 6);
      expect(await store.listIds(bob, "")).toEqual(["v2#f0"]);
    });

    it("keeps models apart: another model's index of the same dimension neither finds nor fetches these vectors", async () => {
      const [first, second] = [await openIndex(), await openIndex()];
      const tenant = unique("t");
      await first.upsert(tenant, [frame("v1", 0, unit(1, 0, 0, 0))]);
      expect(await second.query(tenant, { vector: unit(1, 0, 0, 0), topK: 10 })).toEqual([]);
      expect((await second.fetch(tenant, ["v1#f0"])).size).toBe(0);
      await second.upsert(tenant, [frame("v2", 0, unit(0, 1, 0, 0))]);
      expect((await first.query(tenant, { vector: unit(0, 1, 0, 0), topK: 10 })).map((h) => h.id)).toEqual(["v1#f0"]);
    });

    it("lists and deletes a video's vectors by id prefix, of every model and past one page, and nothing of a neighbour", async () => {
      const [first, second] = [await openIndex(), await openIndex()];
      const tenant = unique("t");
      const video = Array.from({ length: 150 }, (_, i) => frame("v1", i, unit(1, i + 1, 0, 0)));
      await first.upsert(tenant, video);
      await second.upsert(tenant, [object("v1", 0, 0, unit(0, 0, 1, 0))]);
      const neighbours = [frame("v10", 0, unit(0, 1, 0, 0)), frame("v1x", 0, unit(0, 1, 0, 0)), frame("v", 1, unit(0, 1, 0, 0))];
      await first.upsert(tenant, neighbours);
      const mine = sorted([...video.map((r) => r.id), "v1#o0.0"]);
      expect(sorted(await store.listIds(tenant, "v1#"))).toEqual(mine);
      expect(await store.deleteByPrefix(tenant, "v1#")).toBe(151);
      expect(await store.listIds(tenant, "v1#")).toEqual([]);
      expect(await store.deleteByPrefix(tenant, "v1#")).toBe(0);
      expect(sorted(await store.listIds(tenant, ""))).toEqual(sorted(neighbours.map((r) => r.id)));
      expect((await first.query(tenant, { vector: unit(1, 1, 0, 0), topK: 10 })).map((h) => h.id).sort()).toEqual(sorted(neighbours.map((r) => r.id)));
    });

    it("refuses a vector of the wrong dimension, in an upsert (storing none of it) or a query", async () => {
      const index = await openIndex();
      const tenant = unique("t");
      await expect(index.upsert(tenant, [frame("v1", 0, unit(1, 0, 0, 0)), frame("v1", 1, [1, 0, 0])])).rejects.toThrow(/dimension/);
      expect(await store.listIds(tenant, "")).toEqual([]);
      await expect(index.query(tenant, { vector: [1, 0, 0, 0, 0], topK: 1 })).rejects.toThrow(/dimension/);
    });
  });
}
