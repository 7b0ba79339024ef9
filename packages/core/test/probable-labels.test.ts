/**
 * Probable labels by neighbour vote, on pgvector with hand-placed object vectors: which of a
 * video's objects a tenant's labelled objects vote for, how negative labels count against, and
 * that nothing crosses tenants or overrides a person's own label.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPglite, type DatabaseHandle } from "../src/db/index.js";
import * as Label from "../src/label/index.js";
import * as Object_ from "../src/object/index.js";
import type { Services } from "../src/services.js";
import * as Video from "../src/video/index.js";
import { servicesOn } from "./support/services.js";
import { testModelDir } from "./support/test-model.js";

let handle: DatabaseHandle;
let svc: Services;
let close: () => Promise<void>;
let dimension: number;

/** A unit vector mostly along axis `a`, leaning towards axis `b` by `cos` (cosine to axis a). */
function leaning(a: number, b: number, cos: number): number[] {
  const v = new Array<number>(dimension).fill(0);
  v[a] = cos;
  v[b] = Math.sqrt(1 - cos * cos);
  return v;
}

async function objectsIn(tenant: string, vectors: number[][]): Promise<{ videoId: string; ids: string[] }> {
  const video = await Video.create(svc, tenant, { filename: "clip.mp4", sizeBytes: 10, contentType: "video/mp4" });
  const rows = vectors.map((_, frameNo) => ({
    videoId: video.id, frameNo, k: 0, tenantId: tenant, timeSec: frameNo, endSec: frameNo + 1, label: "cup", score: 0.9,
    boxX: 0.1, boxY: 0.1, boxW: 0.5, boxH: 0.5, cropKey: Object_.cropKey(tenant, video.id, frameNo, 0), trackId: `${video.id}#t${frameNo}.0`,
  }));
  await svc.db.transaction((tx) => Object_.replaceForFrames(tx, video.id, rows.map((r) => r.frameNo), rows));
  const embedder = await svc.embedder();
  const index = await svc.vectors.index(embedder.identity, embedder.dimension);
  const ids = rows.map(Object_.idOf);
  await index.upsert(tenant, vectors.map((values, i) => ({ id: ids[i]!, values, metadata: { videoId: video.id, kind: "object", timeSec: i, frameNo: i, label: "cup" } })));
  return { videoId: video.id, ids };
}

const label = (tenant: string, objectId: string, name: string, polarity: "positive" | "negative") =>
  svc.db.insert(Label.labelTable).values({ tenantId: tenant, objectId, videoId: Object_.parseId(objectId).videoId, label: name, polarity, source: "explicit" });

let target: { videoId: string; ids: string[] };

beforeAll(async () => {
  handle = await openPglite();
  ({ svc, close } = await servicesOn(handle, { clipModel: await testModelDir() }));
  dimension = (await svc.embedder()).dimension;
  // The labelled objects live in another video of the tenant: a mug (axis 0) and, marked "not a
  // mug", something along axis 2.
  const labelled = await objectsIn("t1", [leaning(0, 1, 1), leaning(2, 1, 1)]);
  await label("t1", labelled.ids[0]!, "mug", "positive");
  await label("t1", labelled.ids[1]!, "mug", "negative");
  // The video whose objects are voted on.
  target = await objectsIn("t1", [
    leaning(0, 1, 0.99), // almost the mug
    leaning(0, 1, 0.9), // near it, above the 0.85 threshold
    leaning(0, 1, 0.5), // far
    leaning(2, 0, 0.95), // near the "not a mug" one (0.95) and near the mug (0.31): votes against win
    leaning(0, 3, 0.97), // near the mug, but a person labelled it "cup" here
  ]);
  await label("t1", target.ids[4]!, "cup", "positive");
  // Another tenant's label right on top of the far object must not count.
  const other = await objectsIn("t2", [leaning(0, 1, 0.5)]);
  await label("t2", other.ids[0]!, "bowl", "positive");
}, 120_000);
afterAll(async () => {
  await close();
  await handle.close();
});

describe("probable labels", () => {
  it("votes the label of the tenant's labelled objects onto the video's near objects only", async () => {
    const guesses = await Label.probable(svc, "t1", target.videoId);
    expect([...guesses.keys()].sort()).toEqual([target.ids[0], target.ids[1]].sort());
    expect(guesses.get(target.ids[0]!)).toEqual({ label: "mug", votes: expect.closeTo(0.99, 5) });
    expect(guesses.get(target.ids[1]!)).toEqual({ label: "mug", votes: expect.closeTo(0.9, 5) });
  });

  it("shows them beside a person's own labels, which they never override", async () => {
    const objects = new Map((await Label.objectsOfVideo(svc, "t1", target.videoId)).map((o) => [o.id, o.labels]));
    expect(objects.get(target.ids[0]!)).toEqual([{ label: "mug", polarity: "positive", source: "probable" }]);
    expect(objects.get(target.ids[2]!)).toEqual([]);
    expect(objects.get(target.ids[3]!)).toEqual([]);
    expect(objects.get(target.ids[4]!)).toEqual([{ label: "cup", polarity: "positive", source: "explicit" }]);
    const withoutVotes = new Map((await Label.objectsOfVideo(svc, "t1", target.videoId, { probable: false })).map((o) => [o.id, o.labels]));
    expect(withoutVotes.get(target.ids[0]!)).toEqual([]);
  });

  it("follows the threshold, and asks no more than one vector fetch however many labels there are", async () => {
    expect([...(await Label.probable(svc, "t1", target.videoId, { minScore: 0.95 })).keys()]).toEqual([target.ids[0]]);
    const embedder = await svc.embedder();
    const index = await svc.vectors.index(embedder.identity, embedder.dimension);
    const calls = { fetch: 0, query: 0 };
    const counted = { ...svc, vectors: { ...svc.vectors, index: async () => ({ ...index, fetch: (...a: Parameters<typeof index.fetch>) => (calls.fetch++, index.fetch(...a)), query: (...a: Parameters<typeof index.query>) => (calls.query++, index.query(...a)) }) } } as Services;
    await Label.probable(counted, "t1", target.videoId);
    expect(calls).toEqual({ fetch: 1, query: 0 });
  });
});
