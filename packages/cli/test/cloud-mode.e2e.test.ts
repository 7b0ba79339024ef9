/**
 * The AWS runtime on one machine: the HTTP API and worker tasks wired with the cloud adapters,
 * against fauxqs (S3, SQS, SNS), the Pinecone-protocol server and PostgreSQL (the real server
 * when VOS_TEST_DATABASE_URL is set). The upload goes to S3 through presigned multipart URLs, the
 * dispatcher starts the real worker entry as a process for the job, and the search runs through
 * Pinecone's protocol with the generated colour model.
 */
import { readFile } from "node:fs/promises";
import type { DeletedVideo, ReindexStatus, SearchHit } from "@vos/contract";
import { createApi } from "@vos/functions/api/app";
import { Frame, Job } from "@vos/core";
import { probe, sampleFrames } from "@vos/core/media";
import { modelIndexName, startOneMachineCloud, type OneMachineCloud } from "@vos/core/runtime/cloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCloudTestEnvironment, type CloudTestEnvironment } from "../../core/test/cloud/support/cloud-env.js";
import { testModelDir, wideTestModelDir } from "../../core/test/support/test-model.js";
import { boundaryVideo, colourVideo } from "../../core/test/support/videos.js";

let env: CloudTestEnvironment;
let cloud: OneMachineCloud;
let app: ReturnType<typeof createApi>;
let videoId: string;
const workerLines: string[] = [];

beforeAll(async () => {
  env = await startCloudTestEnvironment({
    dimension: 16, // the generated model's projection size
    // Explicit sampling, so the frame count follows from the settings (as in the embedded test).
    // Videos over 30 s go in segments (the 20 s colour video stays whole).
    env: { VOS_CLIP_MODEL: await testModelDir(), VOS_DEDUP: "false", VOS_SAMPLE_FPS: "1", VOS_EMBED_BATCH: "4", VOS_DETECTOR: "off", VOS_SEGMENT_SEC: "30", VOS_LOG_LEVEL: "warn" },
  });
  Object.assign(process.env, env.env);
  cloud = await startOneMachineCloud(env.env, { pollMs: 100, workerOutput: (line) => workerLines.push(line) });
  app = createApi({ services: cloud.api.services, tenantOf: () => "local" });
});
afterAll(async () => {
  await cloud?.stop();
  await env?.close();
});

const call = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
  const response = await app.request(path, { method, ...(body !== undefined ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}) });
  return { status: response.status, body: (await response.json()) as T };
};

describe("cloud mode on one machine (S3, SQS, Pinecone protocol, PostgreSQL; worker as a task)", () => {
  it("uploads through presigned multipart URLs, runs the job in a worker task, and becomes ready", async () => {
    const started = Date.now();
    const file = await readFile(await colourVideo());
    const created = await call<{ video: { id: string; status: string }; upload: { kind: string; partBytes: number; parts: { partNumber: number; url: string }[] } }>(
      "POST",
      "/api/videos",
      { filename: "colours.mp4", sizeBytes: file.length, contentType: "video/mp4", title: "Colours" },
    );
    expect(created.status).toBe(201);
    expect(created.body.upload.kind).toBe("multipart");
    videoId = created.body.video.id;
    const { partBytes, parts } = created.body.upload;
    const etags = await Promise.all(
      parts.map(async (part) => {
        const response = await fetch(part.url, { method: "PUT", body: file.subarray((part.partNumber - 1) * partBytes, part.partNumber * partBytes) });
        expect(response.status).toBe(200);
        return { partNumber: part.partNumber, etag: response.headers.get("etag")! };
      }),
    );
    const completed = await call<{ status: string }>("POST", `/api/videos/${videoId}/complete`, { parts: etags });
    expect(completed.status).toBe(202);
    expect(completed.body.status).toBe("queued");

    let video: { status: string; frameCount: number; durationSec: number; error: unknown; job: { attempts: number } } | undefined;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      video = (await call<typeof video>("GET", `/api/videos/${videoId}`)).body;
      if (video?.status === "ready" || video?.status === "failed") break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(video, workerLines.join("\n")).toMatchObject({ status: "ready", frameCount: 20, error: null, job: { attempts: 1 } });
    expect(video!.durationSec).toBeCloseTo(20, 0);
    console.info(`cloud mode on one machine: upload to ready in ${Date.now() - started} ms`);

    // The vectors are in Pinecone, in the tenant's namespace, with deterministic ids.
    const stored = env.pinecone.vectors(env.names.index, "local");
    expect([...stored.keys()].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `${videoId}#f${i}`).sort());
    // The jobs queue is drained and nothing was dead-lettered.
    expect(env.fauxqs.messages(env.names.jobs)).toEqual([]);
    expect(env.fauxqs.messages(env.names.deadLetters)).toEqual([]);
  }, 180_000);

  it.each([
    ["a red image", 0, 5],
    ["a green image", 5, 10],
    ["a blue image", 10, 15],
  ])("finds %s within %i-%i s, with a presigned thumbnail", async (text, from, to) => {
    const { status, body } = await call<{ hits: SearchHit[] }>("POST", "/api/search", { text });
    expect(status).toBe(200);
    const [first] = body.hits;
    expect(first).toMatchObject({ videoId, kind: "frame" });
    expect(first!.start).toBeGreaterThanOrEqual(from);
    expect(first!.end).toBeLessThanOrEqual(to);
    expect(first!.timeSec).toBeGreaterThanOrEqual(from);
    expect(first!.timeSec).toBeLessThan(to);
    for (let i = 1; i < body.hits.length; i++) expect(body.hits[i]!.score).toBeLessThanOrEqual(body.hits[i - 1]!.score);
    expect(first!.thumbnailUrl).toMatch(new RegExp(`^${env.fauxqs.endpoint}/${env.names.frames}/local/videos/${videoId}/frames/\\d+\\.jpg\\?.*X-Amz-Signature=`));
    const thumbnail = await fetch(first!.thumbnailUrl);
    expect(thumbnail.status).toBe(200);
    expect([...new Uint8Array(await thumbnail.arrayBuffer()).subarray(0, 2)]).toEqual([0xff, 0xd8]);
  });

  it("plays the upload through a presigned URL, and deletes the video with its files and vectors", async () => {
    const { body: video } = await call<{ playbackUrl: string; sizeBytes: number }>("GET", `/api/videos/${videoId}`);
    const playback = await fetch(video.playbackUrl, { headers: { range: "bytes=0-99" } });
    expect(playback.status).toBe(206);
    expect((await playback.arrayBuffer()).byteLength).toBe(100);

    const removed = await call<DeletedVideo>("DELETE", `/api/videos/${videoId}`);
    expect(removed).toEqual({ status: 200, body: { deleted: videoId, vectors: 20, files: 21 } });
    expect(env.pinecone.vectors(env.names.index, "local").size).toBe(0);
    expect(await cloud.api.services.blobs.list(`local/videos/${videoId}/`)).toEqual([]);
    expect((await call<{ hits: SearchHit[] }>("POST", "/api/search", { text: "a red image" })).body.hits).toEqual([]);
  });

  it("splits a long video into segments, each run by a worker task of its own, and keeps one pass's frames", async () => {
    const path = await boundaryVideo();
    const file = await readFile(path);
    const created = await call<{ video: { id: string }; upload: { partBytes: number; parts: { partNumber: number; url: string }[] } }>("POST", "/api/videos", {
      filename: "long.mp4",
      sizeBytes: file.length,
      contentType: "video/mp4",
    });
    const id = created.body.video.id;
    const { partBytes, parts } = created.body.upload;
    const etags = await Promise.all(
      parts.map(async (part) => {
        const response = await fetch(part.url, { method: "PUT", body: file.subarray((part.partNumber - 1) * partBytes, part.partNumber * partBytes) });
        return { partNumber: part.partNumber, etag: response.headers.get("etag")! };
      }),
    );
    expect((await call("POST", `/api/videos/${id}/complete`, { parts: etags })).status).toBe(202);

    let video: { status: string; frameCount: number; job: { segments: { total: number; succeeded: number } } } | undefined;
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      video = (await call<typeof video>("GET", `/api/videos/${id}`)).body;
      if (video?.status === "ready" || video?.status === "failed") break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(video, workerLines.join("\n")).toMatchObject({ status: "ready", job: { segments: { total: 3, succeeded: 3 } } });

    // One pass over the file with the same settings keeps the same frames.
    const info = await probe(path, { maxBytes: file.length, maxDurationSec: 3600 });
    const expected: number[] = [];
    for await (const frame of sampleFrames(path, info, { fps: 1, dedup: false, width: 64 })) expected.push(frame.timeSec);
    const db = cloud.api.services.db;
    const frames = await Frame.listForVideo(db, id);
    expect(frames.map((f) => f.timeSec)).toEqual(expected);
    expect(video!.frameCount).toBe(expected.length);
    // Each segment ran in a task of its own; every frame's vector is in Pinecone.
    const run = (await Job.latestRuns(db, [id])).get(id)!;
    expect(new Set(run.map((job) => job.taskId)).size).toBe(3);
    const stored = [...env.pinecone.vectors(env.names.index, "local").keys()].filter((key) => key.startsWith(`${id}#`));
    expect(stored.sort()).toEqual(frames.map((f) => `${id}#f${f.frameNo}`).sort());
    expect(env.fauxqs.messages(env.names.jobs)).toEqual([]);
  }, 240_000);

  it("re-indexes the library with another model: worker tasks write to that model's own Pinecone index, searches answer throughout, then the library switches", async () => {
    const [video] = (await call<{ videos: { id: string; frameCount: number }[] }>("GET", "/api/videos")).body.videos;
    // The stage runs a 24-dimension model now; the library stays on its 16-dimension one until re-indexed.
    await cloud.stop();
    const wide = { ...env.env, VOS_CLIP_MODEL: await wideTestModelDir() };
    Object.assign(process.env, wide);
    cloud = await startOneMachineCloud(wide, { pollMs: 100, workerOutput: (line) => workerLines.push(line) });
    app = createApi({ services: cloud.api.services, tenantOf: () => "local" });
    expect((await call<{ hits: SearchHit[] }>("POST", "/api/search", { text: "a red image" })).body.hits.length).toBeGreaterThan(0);

    const started = await call<ReindexStatus>("POST", "/api/reindex", {});
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ state: "running", model: { name: "clip-colours-v2" }, target: { name: "clip-colours-v2-24d-256" } });
    const target = started.body.target!;
    let status = started.body;
    const deadline = Date.now() + 120_000;
    while (status.state === "running" && Date.now() < deadline) {
      const { body } = await call<{ hits: SearchHit[] }>("POST", "/api/search", { text: "a red image" });
      expect(body.hits.length).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      status = (await call<ReindexStatus>("GET", "/api/reindex")).body;
    }
    expect(status, workerLines.join("\n")).toMatchObject({ state: "idle", model: { key: target.key }, target: null, toMove: 0 });
    // The model's input (256 px) is above the thumbnails' 240: the worker task decoded the video again, from S3.
    expect(status.videos).toEqual([expect.objectContaining({ videoId: video!.id, status: "succeeded", frames: video!.frameCount, objects: 0, source: "video" })]);

    // The new vectors are in the model's own index; the stage's index lost the old ones.
    const own = env.pinecone.vectors(modelIndexName(env.names.index, target.key), "local");
    expect([...own.keys()].sort()).toEqual((await Frame.listForVideo(cloud.api.services.db, video!.id)).map((f) => `${video!.id}#f${f.frameNo}`).sort());
    expect([...own.values()][0]!.values).toHaveLength(24);
    // The old ones go right after the switch commits, by whichever process switched (here, the
    // worker task that finished the last job): the state can read idle a moment before.
    const stage = () => env.pinecone.vectors(env.names.index, "local").size;
    for (const removalDeadline = Date.now() + 30_000; stage() > 0 && Date.now() < removalDeadline; ) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stage(), workerLines.slice(-20).join("\n")).toBe(0);
    const after = await call<{ hits: SearchHit[]; modelMismatch: unknown }>("POST", "/api/search", { text: "a red image" });
    expect(after.body.hits[0]).toMatchObject({ videoId: video!.id });
    expect(after.body.modelMismatch).toBeNull();
    expect(env.fauxqs.messages(env.names.deadLetters)).toEqual([]);
  }, 240_000);
});
