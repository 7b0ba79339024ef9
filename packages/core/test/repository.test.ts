import { Readable } from "node:stream";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../src/db/index.js";
import * as Frame from "../src/frame/index.js";
import * as Job from "../src/job/index.js";
import type { Services } from "../src/services.js";
import * as Video from "../src/video/index.js";
import { vectorId } from "../src/vector/index.js";
import { databaseTargets } from "./support/databases.js";
import { servicesOn } from "./support/services.js";

const bytes = (n: number) => Readable.from([Buffer.alloc(n, 7)]);

describe.each(databaseTargets())("repositories on $name", (target) => {
  let handle: DatabaseHandle;
  let svc: Services;
  let close: () => Promise<void>;
  const tenant = `t${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    handle = await target.open();
    ({ svc, close } = await servicesOn(handle, { maxUploadBytes: 1000 }));
  });
  afterAll(async () => {
    await close();
    await handle.close();
  });

  it("creates, uploads and completes a video, queueing one job", async () => {
    const video = await Video.create(svc, tenant, { filename: "clip.mp4", sizeBytes: 100, contentType: "video/mp4" });
    expect(video).toMatchObject({ status: "uploading", title: "clip.mp4", tenantId: tenant });
    const uploaded = await Video.upload(svc, tenant, video.id, bytes(100), { contentType: "video/mp4" });
    expect(uploaded).toEqual({ received: 100, sizeBytes: 100 });
    expect((await Video.get(svc, tenant, video.id)).status).toBe("uploading");
    const done = await Video.complete(svc, tenant, video.id);
    expect(done.status).toBe("queued");
    expect(done.job).toMatchObject({ status: "queued", attempts: 0, maxAttempts: 3 });
    // Completing again is harmless: same job, no second message.
    const again = await Video.complete(svc, tenant, video.id);
    expect(again.job?.id).toBe(done.job?.id);
    const messages = await svc.queue.receive({ max: 10, visibilityTimeoutSec: 30 });
    const mine = messages.filter((m) => JSON.parse(m.body).videoId === video.id);
    expect(mine).toHaveLength(1);
    expect(JSON.parse(mine[0]!.body)).toEqual({ jobId: done.job!.id, videoId: video.id, tenantId: tenant });
  });

  it("rejects bad uploads with specific errors and keeps no partial file", async () => {
    await expect(Video.create(svc, tenant, { filename: "empty.mp4", sizeBytes: 0 })).rejects.toMatchObject({ code: "upload.empty", status: 400 });
    await expect(Video.create(svc, tenant, { filename: "big.mp4", sizeBytes: 1001 })).rejects.toMatchObject({ code: "upload.too_large", status: 413 });
    await expect(Video.create(svc, tenant, { filename: "a.txt", sizeBytes: 10, contentType: "text/plain" })).rejects.toMatchObject({
      code: "upload.unsupported_type",
      status: 415,
    });
    const video = await Video.create(svc, tenant, { filename: "clip.mp4", sizeBytes: 50 });
    await expect(Video.upload(svc, tenant, video.id, bytes(80))).rejects.toMatchObject({ code: "upload.size_mismatch" });
    expect(await svc.blobs.stat(video.blobKey)).toBeUndefined();
    await expect(Video.upload(svc, tenant, video.id, bytes(20))).rejects.toMatchObject({ code: "upload.size_mismatch" });
    expect(await svc.blobs.stat(video.blobKey)).toBeUndefined();
    await expect(Video.complete(svc, tenant, video.id)).rejects.toMatchObject({ code: "upload.missing", status: 409 });
    expect((await Video.get(svc, tenant, video.id)).status).toBe("uploading");
  });

  it("assembles a chunked upload that arrives in order, and resumes from what arrived", async () => {
    const video = await Video.create(svc, tenant, { filename: "chunks.mp4", sizeBytes: 10 });
    const chunk = (from: number, to: number) => Readable.from([Buffer.from(Array.from({ length: to - from + 1 }, (_, i) => from + i))]);
    expect(await Video.upload(svc, tenant, video.id, chunk(0, 3), { contentRange: "bytes 0-3/10" })).toEqual({ received: 4, sizeBytes: 10 });
    // A chunk from the wrong offset (a retry of an old one, or a gap) is refused with where to resume.
    await expect(Video.upload(svc, tenant, video.id, chunk(6, 9), { contentRange: "bytes 6-9/10" })).rejects.toMatchObject({
      code: "upload.offset_mismatch",
      message: expect.stringContaining("resume from byte 4"),
    });
    await expect(Video.upload(svc, tenant, video.id, chunk(4, 9), { contentRange: "bytes 4-9/12" })).rejects.toMatchObject({ code: "upload.size_mismatch" });
    await expect(Video.upload(svc, tenant, video.id, chunk(4, 9), { contentRange: "4-9" })).rejects.toMatchObject({ code: "upload.invalid_range" });
    // A chunk shorter than its range stores nothing.
    await expect(Video.upload(svc, tenant, video.id, chunk(4, 6), { contentRange: "bytes 4-9/10" })).rejects.toMatchObject({ code: "upload.size_mismatch" });
    expect(await Video.received(svc, tenant, video.id)).toEqual({ received: 4, sizeBytes: 10 });
    expect(await Video.upload(svc, tenant, video.id, chunk(4, 9), { contentRange: "bytes 4-9/10" })).toEqual({ received: 10, sizeBytes: 10 });
    const stored = await svc.blobs.get(video.blobKey);
    const chunks: Buffer[] = [];
    for await (const part of stored) chunks.push(part as Buffer);
    expect([...Buffer.concat(chunks)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await svc.blobs.list(`${Video.videoPrefix(tenant, video.id)}upload/`)).toEqual([]);
    expect((await Video.complete(svc, tenant, video.id)).status).toBe("queued");
  });

  it("answers not found for unknown ids and for other tenants' videos", async () => {
    await expect(Video.get(svc, tenant, "vid_missing")).rejects.toMatchObject({ code: "video.not_found", status: 404 });
    const video = await Video.create(svc, tenant, { filename: "mine.mp4", sizeBytes: 10 });
    await expect(Video.get(svc, "someone-else", video.id)).rejects.toMatchObject({ code: "video.not_found" });
    await expect(Video.remove(svc, "someone-else", video.id)).rejects.toMatchObject({ code: "video.not_found" });
  });

  it("lists newest first with paging", async () => {
    const own = `${tenant}-list`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await Video.create(svc, own, { filename: `v${i}.mp4`, sizeBytes: 10 })).id);
    const all = await Video.list(svc, own);
    expect(all.map((v) => v.id)).toEqual([...ids].reverse());
    const page = await Video.list(svc, own, { limit: 1, before: ids[2] });
    expect(page.map((v) => v.id)).toEqual([ids[1]]);
  });

  it("runs the job state machine forward only, and checkpoints only move forward", async () => {
    const video = await Video.create(svc, tenant, { filename: "job.mp4", sizeBytes: 10 });
    await Video.upload(svc, tenant, video.id, bytes(10));
    const queued = await Video.complete(svc, tenant, video.id);
    const jobId = queued.job!.id;
    const started = await Job.begin(svc.db, jobId, "task-1");
    expect(started).toMatchObject({ status: "running", attempts: 1, taskId: "task-1" });
    await Job.checkpoint(svc.db, jobId, 7, started!.progress);
    await Job.checkpoint(svc.db, jobId, 3, started!.progress);
    expect((await Job.get(svc.db, jobId))?.checkpoint).toBe(7);
    await Job.release(svc.db, jobId, "transient");
    expect(await Job.get(svc.db, jobId)).toMatchObject({ status: "queued", lastError: "transient" });
    expect((await Job.begin(svc.db, jobId, "task-2"))?.attempts).toBe(2);
    await Job.succeed(svc.db, jobId, started!.progress);
    expect(await Job.begin(svc.db, jobId, "task-3")).toBeUndefined();
    expect((await Job.get(svc.db, jobId))?.attempts).toBe(2);
  });

  it("upserts frames idempotently and deletes a video with its rows, files and vectors", async () => {
    const video = await Video.create(svc, tenant, { filename: "del.mp4", sizeBytes: 10 });
    await Video.upload(svc, tenant, video.id, bytes(10));
    await Video.complete(svc, tenant, video.id);
    const frames = [0, 1, 2].map((frameNo) => ({
      videoId: video.id,
      frameNo,
      tenantId: tenant,
      timeSec: frameNo,
      endSec: frameNo + 1,
      reason: "interval" as const,
      thumbnailKey: Frame.thumbnailKey(tenant, video.id, frameNo),
    }));
    await Frame.upsertMany(svc.db, frames);
    await Frame.upsertMany(svc.db, frames);
    expect(await Frame.countForVideo(svc.db, video.id)).toBe(3);
    for (const frame of frames) await svc.blobs.put(frame.thumbnailKey, Buffer.from("jpeg"));
    const index = await svc.vectors.index("test-model", 3);
    await index.upsert(
      tenant,
      frames.map((f) => ({ id: vectorId.frame(video.id, f.frameNo), values: [1, f.frameNo, 0], metadata: { videoId: video.id, kind: "frame", timeSec: f.timeSec, frameNo: f.frameNo } })),
    );
    const hydrated = await Frame.byKeys(svc.db, tenant, [{ videoId: video.id, frameNo: 2 }, { videoId: video.id, frameNo: 99 }]);
    expect(hydrated.map((f) => f.frameNo)).toEqual([2]);

    const result = await Video.remove(svc, tenant, video.id);
    expect(result).toEqual({ vectors: 3, blobs: 4 });
    await expect(Video.get(svc, tenant, video.id)).rejects.toMatchObject({ code: "video.not_found" });
    expect(await Frame.countForVideo(svc.db, video.id)).toBe(0);
    expect(await Job.latestForVideos(svc.db, [video.id])).toEqual(new Map());
    expect(await svc.blobs.list(Video.videoPrefix(tenant, video.id))).toEqual([]);
    expect(await svc.vectors.listIds(tenant, vectorId.videoPrefix(video.id))).toEqual([]);
  });

  it("finishes a deletion a crash cut short, and leaves one a request may still be running", async () => {
    const video = await Video.create(svc, tenant, { filename: "cut.mp4", sizeBytes: 10 });
    await Video.upload(svc, tenant, video.id, bytes(10));
    await Video.complete(svc, tenant, video.id);
    await svc.blobs.put(Frame.thumbnailKey(tenant, video.id, 0), Buffer.from("jpeg"));
    const index = await svc.vectors.index("test-model", 3);
    await index.upsert(tenant, [{ id: vectorId.frame(video.id, 0), values: [1, 0, 0], metadata: { videoId: video.id, kind: "frame", timeSec: 0, frameNo: 0 } }]);
    // What `remove` writes first, then the process ended.
    const markedAt = new Date(Date.now() - 60_000);
    await svc.db.update(Video.videoTable).set({ status: "deleting", updatedAt: markedAt }).where(eq(Video.videoTable.id, video.id));

    expect(await Video.finishDeletions(svc, { startedBefore: new Date(markedAt.getTime() - 1000) })).toEqual({ deleted: 0, failed: 0 });
    expect((await Video.get(svc, tenant, video.id)).status).toBe("deleting");
    expect(await Video.finishDeletions(svc, { startedBefore: new Date() })).toEqual({ deleted: 1, failed: 0 });
    await expect(Video.get(svc, tenant, video.id)).rejects.toMatchObject({ code: "video.not_found" });
    expect(await svc.blobs.list(Video.videoPrefix(tenant, video.id))).toEqual([]);
    expect(await svc.vectors.listIds(tenant, vectorId.videoPrefix(video.id))).toEqual([]);
  });
});
