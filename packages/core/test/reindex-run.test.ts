/**
 * A library moved from model A (16 dimensions) to model B (24) in the embedded runtime, as a
 * person does it: videos ingested with A, the server started again with VOS_CLIP_MODEL=B, then a
 * re-index. Searches answer with A until the switch and with B after it; the switch moves every
 * ready video at once and removes A's vectors; a failed video stays out of it and a retry indexes
 * it with B; a runtime stopped mid-run resumes where its jobs stopped; a video deleted during a
 * re-index leaves nothing behind; and a job's checkpoint skips what an earlier attempt wrote.
 * A configured model that cannot load is reported, not thrown, by the state; a re-index names its
 * model before any load; and a recorded model that cannot load is not tried again on every use.
 */
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../src/config.js";
import type { Embedder } from "../src/embedder/types.js";
import * as Job from "../src/job/index.js";
import * as Library from "../src/library/index.js";
import { reindexVideo } from "../src/reindex/index.js";
import { modelKeyOf } from "../src/vector/vector-index.js";
import * as Search from "../src/search/index.js";
import type { Services } from "../src/services.js";
import { startEmbeddedRuntime, type EmbeddedRuntime } from "../src/runtime/embedded/embedded.js";
import * as Video from "../src/video/index.js";
import { queueVideo } from "./support/queue-video.js";
import { testModelDir, wideTestModelDir } from "./support/test-model.js";
import { trackVideo } from "./support/track-video.js";
import { colourVideo, syntheticVideo, textAsMp4 } from "./support/videos.js";
import { waitFor } from "./support/wait-for.js";

const TENANT = "local";
let dir: string;
let rt: EmbeddedRuntime | undefined;
let modelA: string;
let modelB: string;
const ids: { track: string; colour: string; long: string; bad: string } = { track: "", colour: "", long: "", bad: "" };

const start = async (model: string, extra: Record<string, string> = {}) => {
  await rt?.close();
  rt = await startEmbeddedRuntime(
    loadConfig({ VOS_DATA_DIR: dir, VOS_CLIP_MODEL: model, VOS_DETECTOR: "centernet", VOS_LOG_LEVEL: "silent", VOS_EMBED_BATCH: "2", ...extra }),
    { workers: true },
  );
  return rt;
};
const svc = () => rt!.services;
const settled = (id: string) => waitFor(() => Video.get(svc(), TENANT, id), (view) => view.status === "ready" || view.status === "failed", 120_000);
const status = () => Library.reindexStatus(svc(), TENANT);
const finished = () => waitFor(status, (now) => now.state !== "running", 120_000);
const words = (text: string) => Search.text(svc(), TENANT, { text, limit: 20 });
const vectorsOf = async (embedder: Pick<Embedder, "identity" | "dimension">, videoId: string) =>
  (await svc().vectors.index(embedder.identity, embedder.dimension)).listIds(TENANT, `${videoId}#`);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vos-reindex-run-"));
  [modelA, modelB] = await Promise.all([testModelDir(), wideTestModelDir()]);
  await start(modelA);
  ids.track = (await queueVideo(svc(), await trackVideo(), "walk.mp4")).videoId;
  ids.colour = (await queueVideo(svc(), await colourVideo(), "colours.mp4")).videoId;
  ids.long = (await queueVideo(svc(), await syntheticVideo({ seconds: 40, width: 320, height: 240, fps: 10 }), "long.mp4")).videoId;
  ids.bad = (await queueVideo(svc(), await textAsMp4(), "notes.mp4")).videoId;
  for (const id of [ids.track, ids.colour, ids.long]) expect((await settled(id)).status).toBe("ready");
  expect((await settled(ids.bad)).status).toBe("failed");
}, 240_000);
afterAll(async () => {
  await rt?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("moving a library to another model", () => {
  it("keeps the library's model when VOS_CLIP_MODEL changes: searches still find everything, and the state says what a re-index would move", async () => {
    const a = await svc().embedder();
    await start(modelB);
    const hits = await words("a red image");
    expect(hits.length).toBeGreaterThan(0);
    expect(await Search.modelMismatch(svc(), TENANT)).toBeNull();
    const now = await status();
    expect(now).toMatchObject({ state: "idle", model: { key: a.identity.key }, target: null, configuredError: null, toMove: 3, videos: [] });
    expect(now.configured?.key).not.toBe(a.identity.key);
    // A new video is indexed with the library's model, not the configured one.
    const extra = (await queueVideo(svc(), await colourVideo({ width: 160, height: 120 }), "small.mp4")).videoId;
    expect((await settled(extra)).status).toBe("ready");
    expect((await Video.find(svc(), extra))!.modelKey).toBe(a.identity.key);
    await Video.remove(svc(), TENANT, extra);
  });

  it("answers searches with the old model throughout, then switches every ready video at once and removes the old vectors", async () => {
    const a = await Library.loadModel(svc(), (await status()).model!.key);
    const b = await svc().embedder();
    const before = await Promise.all([ids.track, ids.colour, ids.long].map((id) => vectorsOf(a, id)));
    expect(before.every((list) => list.length > 0)).toBe(true);

    await Library.startReindex(svc(), TENANT, b);
    const answers: number[] = [];
    for (let now = await status(); now.state === "running"; now = await status()) {
      // Every answer during the run comes from one whole model: A's until the switch.
      answers.push((await words("a red image")).length);
      expect(await Search.modelMismatch(svc(), TENANT)).toBeNull();
    }
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.filter((count) => count === 0)).toEqual([]);

    const done = await status();
    expect(done).toMatchObject({ state: "idle", model: { key: b.identity.key }, target: null, toMove: 0 });
    expect(done.videos.map((video) => video.videoId).sort()).toEqual([ids.track, ids.colour, ids.long].sort());
    for (const video of done.videos) {
      expect(video.status).toBe("succeeded");
      expect(video.frames).toBe(video.totalFrames);
      expect(video.objects).toBe(video.totalObjects);
    }
    const track = done.videos.find((video) => video.videoId === ids.track)!;
    expect(track.objects).toBeGreaterThan(0);
    // Its crops are smaller than the model's 224 px input: counted as enlarged.
    expect(track.enlarged).toBeGreaterThan(0);
    expect(track.enlarged).toBeLessThanOrEqual(track.frames + track.objects);
    for (const [i, id] of [ids.track, ids.colour, ids.long].entries()) {
      expect((await Video.find(svc(), id))!.modelKey).toBe(b.identity.key);
      expect(await vectorsOf(b, id)).toEqual(before[i]);
      expect(await vectorsOf(a, id)).toEqual([]);
    }
    // Search now embeds with B and reaches every video; the failed video is untouched.
    const hits = await words("a red image");
    expect(new Set(hits.map((hit) => hit.videoId))).toEqual(new Set([ids.track, ids.colour, ids.long]));
    expect(await Search.modelMismatch(svc(), TENANT)).toBeNull();
    expect((await Video.find(svc(), ids.bad))!.status).toBe("failed");
  });

  it("nothing to move: a second re-index to the same model starts no run", async () => {
    const again = await Library.startReindex(svc(), TENANT, await svc().embedder());
    expect(again).toEqual({ runId: null, queued: 0 });
  });

  it("leaves a failed video out (it holds no vectors) and indexes videos uploaded after the switch with the new model", async () => {
    const b = await svc().embedder();
    const bad = (await Video.find(svc(), ids.bad))!;
    expect(bad).toMatchObject({ status: "failed", modelKey: null });
    const fresh = (await queueVideo(svc(), await colourVideo({ width: 160, height: 120 }), "after.mp4")).videoId;
    expect((await settled(fresh)).status).toBe("ready");
    expect((await Video.find(svc(), fresh))!.modelKey).toBe(b.identity.key);
    await Video.remove(svc(), TENANT, fresh);
  });

  it("resumes a re-index stopped part-way when the runtime starts again, and a re-index to another model waits for it", async () => {
    // Back to A (a model the library used before), stopped while the long video's job is part-way.
    const recorded = await svc().db.select().from(Library.modelTable);
    const keyA = recorded.find((row) => row.dimension === 16)!.key;
    const target = await Library.targetModel(svc(), keyA);
    expect(target.dimension).toBe(16);
    const { runId } = await Library.startReindex(svc(), TENANT, target);
    await expect(Library.startReindex(svc(), TENANT, await svc().embedder())).rejects.toMatchObject({ code: "reindex.running", status: 409 });
    const partWay = await waitFor(
      () => Job.get(svc().db, `${runId}.${ids.long}`),
      (job) => (job?.checkpoint ?? -1) >= 0,
      60_000,
    );
    expect(partWay!.status).toBe("running");
    await start(modelB); // closes the runtime (its jobs handed back), then starts it again
    const resumed = await Job.get(svc().db, `${runId}.${ids.long}`);
    expect(resumed!.checkpoint).toBeGreaterThanOrEqual(partWay!.checkpoint);
    const done = await finished();
    expect(done).toMatchObject({ state: "idle", model: { key: keyA } });
    expect(done.videos.every((video) => video.status === "succeeded")).toBe(true);
    // The handed-back attempt was not counted: one attempt each.
    expect((await Job.get(svc().db, `${runId}.${ids.long}`))!.attempts).toBe(1);
    for (const id of [ids.track, ids.colour, ids.long]) expect((await Video.find(svc(), id))!.modelKey).toBe(keyA);
  });

  it("a video deleted during a re-index leaves no vectors in either set, and the others switch", async () => {
    const b = await svc().embedder();
    const a = await Library.loadModel(svc(), (await status()).model!.key);
    const { runId } = await Library.startReindex(svc(), TENANT, b);
    expect(runId).not.toBeNull();
    await Video.remove(svc(), TENANT, ids.long);
    await Library.settle(svc(), TENANT);
    const done = await finished();
    expect(done).toMatchObject({ state: "idle", model: { key: b.identity.key } });
    expect(done.videos.map((video) => video.videoId).sort()).toEqual([ids.track, ids.colour].sort());
    expect(await vectorsOf(a, ids.long)).toEqual([]);
    expect(await vectorsOf(b, ids.long)).toEqual([]);
    expect(await Video.find(svc(), ids.long)).toBeUndefined();
  });

  it("old vectors the switch could not remove stay listed until the next start removes them; a re-index back to their model takes them over", async () => {
    const b = await svc().embedder();
    const keyA = (await svc().db.select().from(Library.modelTable)).find((row) => row.dimension === 16)!.key;
    const a = await Library.targetModel(svc(), keyA);
    const moving = [ids.track, ids.colour];
    const listed = async () => (await svc().db.select().from(Library.staleVectorsTable)).map((row) => `${row.videoId} ${row.modelKey}`).sort();

    // B's set refuses deletes while the library moves to A, as a vector store that is down would.
    const store = svc().vectors;
    const open = store.index.bind(store);
    const refusing = vi.spyOn(store, "index").mockImplementation(async (model, dimension) => {
      const index = await open(model, dimension);
      if (modelKeyOf(model).key !== b.identity.key) return index;
      return new Proxy(index, { get: (target, name) => (name === "deleteByPrefix" ? () => Promise.reject(new Error("the vector store is unavailable")) : Reflect.get(target, name)) });
    });
    try {
      await Library.startReindex(svc(), TENANT, a);
      expect(await finished()).toMatchObject({ state: "idle", model: { key: keyA } });
    } finally {
      refusing.mockRestore();
    }
    for (const id of moving) expect(await vectorsOf(b, id)).not.toEqual([]);
    expect(await listed()).toEqual(moving.map((id) => `${id} ${b.identity.key}`).sort());
    // Searches use A's set only meanwhile.
    expect(new Set((await words("a red image")).map((hit) => hit.videoId))).toEqual(new Set(moving));

    await start(modelB);
    for (const id of moving) expect(await vectorsOf(b, id)).toEqual([]);
    expect(await listed()).toEqual([]);

    // A removal under way holds a re-index back to its model; one left by a process that ended does not.
    await svc().db.insert(Library.staleVectorsTable).values({ videoId: ids.track, tenantId: TENANT, modelKey: b.identity.key, claimedAt: new Date() });
    await expect(Library.startReindex(svc(), TENANT, b)).rejects.toMatchObject({ code: "reindex.removing_old_vectors", status: 409 });
    await svc()
      .db.update(Library.staleVectorsTable)
      .set({ claimedAt: new Date(Date.now() - Library.STALE_CLAIM_MS - 1000) });
    await Library.startReindex(svc(), TENANT, b);
    expect(await finished()).toMatchObject({ state: "idle", model: { key: b.identity.key } });
    for (const id of moving) {
      expect((await vectorsOf(b, id)).length).toBeGreaterThan(0);
      expect(await vectorsOf(a, id)).toEqual([]);
    }
    expect(await listed()).toEqual([]);

    // A listed set that is the video's own again is dropped from the list, its vectors kept.
    const kept = await vectorsOf(b, ids.track);
    await svc().db.insert(Library.staleVectorsTable).values({ videoId: ids.track, tenantId: TENANT, modelKey: b.identity.key });
    expect(await Library.removeStaleVectors(svc())).toEqual({ videos: 1, vectors: 0, failed: 0 });
    expect(await vectorsOf(b, ids.track)).toEqual(kept);
    expect(await listed()).toEqual([]);
    // One call reads page after page until the list is empty.
    await svc()
      .db.insert(Library.staleVectorsTable)
      .values(moving.map((videoId) => ({ videoId, tenantId: TENANT, modelKey: keyA })));
    expect(await Library.removeStaleVectors(svc(), { batch: 1 })).toEqual({ videos: 2, vectors: 0, failed: 0 });
    expect(await listed()).toEqual([]);
  });

  it("an attempt after a checkpoint embeds only what is left", async () => {
    const b = await svc().embedder();
    let embedded = 0;
    const counting: Embedder = { ...b, embedImages: (images) => ((embedded += images.length), b.embedImages(images)) };
    const whole = await reindexVideo(svc(), TENANT, ids.track, counting, { batchSize: 3 });
    const total = whole.frames + whole.objects;
    expect(embedded).toBe(total);
    embedded = 0;
    const progress: number[] = [];
    await reindexVideo(svc(), TENANT, ids.track, counting, { batchSize: 3, skip: 5, onProgress: (done) => void progress.push(done.frames + done.objects) });
    expect(embedded).toBe(total - 5);
    expect(progress[0]).toBe(Math.min(total, 8));
    expect(progress.at(-1)).toBe(total);
  });

  it("a configured model that cannot be loaded: the state says why, a re-index to it fails with the load error, and a name is checked before any load", async () => {
    const base = svc();
    const missing = path.join(dir, "no-such-model");
    let loads = 0;
    // The runtime as started with VOS_CLIP_MODEL naming a folder that is gone; recorded models still load.
    const broken: Services = {
      ...base,
      settings: { ...base.settings, clipModel: missing },
      embedder: (source) => (loads++, base.embedder(source ?? { model: missing, revision: null, textDtype: "fp32", visionDtype: "fp32" })),
    };
    const library = (await status()).model!;
    const now = await Library.reindexStatus(broken, TENANT);
    expect(now).toMatchObject({ state: "idle", model: library, configured: null, configuredError: { code: "embedder.model_unavailable" }, toMove: 0 });
    expect(now.configuredError!.message).toContain("no-such-model");
    // Searches still embed with the library's own model, and a new video is indexed with it.
    expect((await Search.text(broken, TENANT, { text: "a red image", limit: 20 })).length).toBeGreaterThan(0);
    expect((await Library.videoEmbedder(broken, TENANT, "vid_not_stored")).identity.key).toBe(library.key);
    await expect(Library.targetModel(broken)).rejects.toMatchObject({ code: "embedder.model_unavailable", status: 503 });
    await expect(Library.targetModel(broken, missing)).rejects.toMatchObject({ code: "embedder.model_unavailable", status: 503 });

    loads = 0;
    const unknown = await Library.targetModel(broken, "/etc").catch((error: unknown) => error);
    expect(unknown).toMatchObject({ code: "reindex.unknown_model", status: 422 });
    expect((unknown as Error).message).toContain(missing);
    expect((unknown as Error).message).toContain("clip-colours-v2-24d-256");
    expect(loads).toBe(0);
    // A model the library recorded loads from where it was recorded, whatever the configured one does.
    const keyA = (await base.db.select().from(Library.modelTable)).find((row) => row.dimension === 16)!.key;
    expect((await Library.targetModel(broken, keyA)).identity.key).toBe(keyA);
  });

  it("settles without a transaction when no re-index runs", async () => {
    expect((await status()).state).toBe("idle");
    const transaction = vi.spyOn(svc().db, "transaction");
    try {
      await Library.settle(svc(), TENANT);
      expect(transaction).not.toHaveBeenCalled();
    } finally {
      transaction.mockRestore();
    }
  });

  it("remembers for a while that a model cannot be loaded, so a burst of searches does not load it again each time", async () => {
    const base = svc();
    const a = (await base.db.select().from(Library.modelTable)).find((row) => row.dimension === 16)!;
    // The library's model recorded in a folder that is empty for now: the same files copied there later are the same model.
    const later = path.join(dir, "model-a-later");
    const moveTo = (source: string) => base.db.update(Library.modelTable).set({ source }).where(eq(Library.modelTable.key, a.key));
    const start = Date.now();
    const clock = vi.spyOn(Date, "now").mockReturnValue(start);
    await moveTo(later);
    try {
      const first = await Library.loadModel(base, a.key).catch((error: unknown) => error);
      expect(first).toMatchObject({ code: "model.unavailable" });
      await cp(a.source, later, { recursive: true });
      // The files are there now, but the failure answers until the wait is over: no new load.
      clock.mockReturnValue(start + 29_000);
      const again = await Library.loadModel(base, a.key).catch((error: unknown) => error);
      expect(again).toMatchObject({ code: "model.unavailable", message: (first as Error).message });
      clock.mockReturnValue(start + 31_000);
      expect((await Library.loadModel(base, a.key)).identity.key).toBe(a.key);
    } finally {
      clock.mockRestore();
      await moveTo(a.source);
    }
  });
});
