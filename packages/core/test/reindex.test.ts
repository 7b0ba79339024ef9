/**
 * A video's vectors made again with another model (16 to 24 dimensions), from the video decoded
 * again (its 320x180 thumbnails are below a 224 px input) or from the thumbnails and crops ingest
 * stored: the new set holds the same ids with the same metadata as the old one, in the new
 * model's dimension; a repeat overwrites instead of duplicating; the old set is left as it was;
 * the new set answers a search as the old one did; and decoding again gives the model what
 * ingest gave it, which the small thumbnails do not.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { buffer } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { decodeImage, loadClipEmbedder } from "../src/embedder/index.js";
import * as Frame from "../src/frame/index.js";
import type { Embedder } from "../src/embedder/types.js";
import * as Objects from "../src/object/index.js";
import { reindexVideo } from "../src/reindex/index.js";
import * as Search from "../src/search/index.js";
import { startEmbeddedRuntime, type EmbeddedRuntime } from "../src/runtime/embedded/embedded.js";
import * as Video from "../src/video/index.js";
import type { VectorIndex } from "../src/vector/index.js";
import { testModelDir, wideTestModelDir } from "./support/test-model.js";
import { trackVideo } from "./support/track-video.js";
import { waitFor } from "./support/wait-for.js";
import { queueVideo } from "./support/queue-video.js";

let dir: string;
let rt: EmbeddedRuntime;
let videoId: string;
let oldModel: Embedder;
let newModel: Embedder;
let oldIndex: VectorIndex;
let newIndex: VectorIndex;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vos-reindex-"));
  rt = await startEmbeddedRuntime(loadConfig({ VOS_DATA_DIR: dir, VOS_CLIP_MODEL: await testModelDir(), VOS_DETECTOR: "centernet", VOS_LOG_LEVEL: "silent" }), { workers: true });
  ({ videoId } = await queueVideo(rt.services, await trackVideo(), "walk.mp4"));
  const done = await waitFor(() => Video.get(rt.services, "local", videoId), (view) => view.status === "ready" || view.status === "failed", 120_000);
  expect(done.status).toBe("ready");
  oldModel = await rt.services.embedder();
  newModel = await loadClipEmbedder({ model: await wideTestModelDir() });
  oldIndex = await rt.services.vectors.index(oldModel.identity, oldModel.dimension);
  newIndex = await rt.services.vectors.index(newModel.identity, newModel.dimension);
}, 180_000);
afterAll(async () => {
  await rt?.close();
  await rm(dir, { recursive: true, force: true });
});

const prefix = () => `${videoId}#`;
const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let [dot, aa, bb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) [dot, aa, bb] = [dot + a[i]! * b[i]!, aa + a[i]! ** 2, bb + b[i]! ** 2];
  return dot / Math.sqrt(aa * bb);
};

describe("re-indexing a video with another model", () => {
  it("makes every frame's and embedded object's vector again, same ids and metadata, in the new dimension", async () => {
    expect(newModel.dimension).toBe(24);
    expect(newModel.identity.key).not.toBe(oldModel.identity.key);
    const oldIds = await oldIndex.listIds("local", prefix());
    const embeddedObjects = (await Objects.listForVideo(rt.services.db, "local", videoId)).filter((row) => row.embedded);
    expect(embeddedObjects.length).toBeGreaterThan(0);
    const oldValues = await oldIndex.fetch("local", oldIds);
    const progress: number[] = [];

    const result = await reindexVideo(rt.services, "local", videoId, newModel, { inputSize: 224, batchSize: 4, onProgress: (p) => void progress.push(p.frames + p.objects) });
    const frames = oldIds.filter((id) => id.includes("#f")).length;
    // Thumbnails are 320x180, below a 224 px input: the video is decoded again, its frames at
    // 640x360, so only object crops can be below the input.
    expect(result).toEqual({ frames, objects: embeddedObjects.length, smallImages: expect.any(Number), source: "video" });
    expect(result.smallImages).toBeLessThanOrEqual(embeddedObjects.length);
    expect(frames + embeddedObjects.length).toBe(oldIds.length);
    expect(progress.at(-1)).toBe(oldIds.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));

    expect(await newIndex.listIds("local", prefix())).toEqual(oldIds);
    const made = await newIndex.fetch("local", oldIds);
    for (const id of oldIds) {
      expect(made.get(id)!.values).toHaveLength(24);
      // Rows keep boxes and scores as float4: the same values to 7 digits.
      const { box, score, ...rest } = oldValues.get(id)!.metadata;
      expect(made.get(id)!.metadata, id).toEqual({
        ...rest,
        ...(score === undefined ? {} : { score: expect.closeTo(score, 6) }),
        ...(box ? { box: { x: expect.closeTo(box.x, 6), y: expect.closeTo(box.y, 6), w: expect.closeTo(box.w, 6), h: expect.closeTo(box.h, 6) } } : {}),
      });
    }
    // The old set is as it was.
    const after = await oldIndex.fetch("local", oldIds);
    for (const id of oldIds) expect(Array.from(after.get(id)!.values)).toEqual(Array.from(oldValues.get(id)!.values));
  });

  it("overwrites on a repeat instead of duplicating", async () => {
    const before = await newIndex.listIds("local", prefix());
    expect(await reindexVideo(rt.services, "local", videoId, newModel)).toMatchObject({ source: "stored" });
    expect(await newIndex.listIds("local", prefix())).toEqual(before);
  });

  it("gives the model what ingest gave it when it decodes the video again, and the enlarged thumbnails do not", async () => {
    // The ingest model under another name: its vectors go to a set of their own, beside ingest's.
    const copy = (key: string): Embedder => ({ ...oldModel, identity: { ...oldModel.identity, key: `${oldModel.identity.key}-${key}` } });
    const ids = await oldIndex.listIds("local", prefix());
    const ingested = await oldIndex.fetch("local", ids);
    const cosines = async (model: Embedder) => {
      const made = await (await rt.services.vectors.index(model.identity, model.dimension)).fetch("local", ids);
      return ids.map((id) => cosine(ingested.get(id)!.values, made.get(id)!.values));
    };
    const again = copy("decoded");
    expect(await reindexVideo(rt.services, "local", videoId, again, { inputSize: 224 })).toMatchObject({ source: "video" });
    const stored = copy("stored");
    expect(await reindexVideo(rt.services, "local", videoId, stored, { inputSize: 224, decode: false })).toMatchObject({ source: "stored" });
    const [fromVideo, fromStored] = [await cosines(again), await cosines(stored)];
    console.info(`re-index against ingest, lowest cosine: decoded again ${Math.min(...fromVideo).toFixed(6)}, from stored images ${Math.min(...fromStored).toFixed(6)}`);
    expect(Math.min(...fromVideo)).toBeGreaterThan(0.999);
    // The thumbnails, shrunk to 320 px and enlarged again, are other pictures to the model.
    expect(Math.min(...fromStored)).toBeLessThan(Math.min(...fromVideo));
  });

  it("answers a search in the new model: a frame's own picture finds its moment first", async () => {
    const [frame] = await Frame.listForVideo(rt.services.db, videoId);
    const thumbnail = new Uint8Array(await buffer(await rt.services.blobs.get(frame!.thumbnailKey)));
    const [query] = await newModel.embedImages([await decodeImage(thumbnail)]);
    const hits = await Search.byVector(rt.services, "local", newModel.identity, query!, { limit: 5, kinds: ["frame"], includeProcessing: true });
    expect(hits[0]).toMatchObject({ videoId, kind: "frame" });
    expect(hits[0]!.start).toBeLessThanOrEqual(frame!.timeSec);
    expect(hits[0]!.end).toBeGreaterThanOrEqual(frame!.timeSec);
    expect(hits[0]!.score).toBeGreaterThan(0.95);
  });

  it("stops between batches when asked to", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(reindexVideo(rt.services, "local", videoId, newModel, { signal: controller.signal })).rejects.toThrow();
  });

  // Last: it deletes the video's file.
  it("falls back to the stored images when the video's file cannot be read, and still makes every vector", async () => {
    const video = await Video.find(rt.services, videoId);
    await rt.services.blobs.delete(video!.blobKey);
    const ids = await newIndex.listIds("local", prefix());
    const result = await reindexVideo(rt.services, "local", videoId, newModel, { inputSize: 224 });
    expect(result).toMatchObject({ source: "stored", frames: ids.filter((id) => id.includes("#f")).length });
    // Every thumbnail is 320x180, below the input: enlarged, and counted.
    expect(result.smallImages).toBeGreaterThanOrEqual(result.frames);
    expect(await newIndex.listIds("local", prefix())).toEqual(ids);
  });
});
