import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPglite, type DatabaseHandle } from "../src/db/index.js";
import * as Job from "../src/job/index.js";
import { startWorkerPool } from "../src/pipeline/index.js";
import type { JobMessage } from "../src/queue/index.js";
import type { Services } from "../src/services.js";
import * as Video from "../src/video/index.js";
import { servicesOn } from "./support/services.js";
import { testModelDir } from "./support/test-model.js";
import { colourVideo } from "./support/videos.js";

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await openPglite();
});
afterAll(async () => handle.close());

async function queuedVideo(svc: Services, tenant: string) {
  const file = await colourVideo();
  const size = (await stat(file)).size;
  const video = await Video.create(svc, tenant, { filename: "colours.mp4", sizeBytes: size, contentType: "video/mp4" });
  await Video.upload(svc, tenant, video.id, createReadStream(file));
  return Video.complete(svc, tenant, video.id);
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("the embedded worker pool", () => {
  it("processes a queued video to ready", async () => {
    const { svc, close } = await servicesOn(handle, { clipModel: await testModelDir() });
    const pool = startWorkerPool(svc, { concurrency: 2, pollMs: 50 });
    try {
      const queued = await queuedVideo(svc, "pool-ok");
      const done = await until(() => Video.get(svc, "pool-ok", queued.id), (v) => v.status === "ready" || v.status === "failed");
      expect(done).toMatchObject({ status: "ready", frameCount: 20, job: { status: "succeeded", attempts: 1 } });
      expect(await svc.queue.receive({ max: 10, visibilityTimeoutSec: 1 })).toEqual([]);
    } finally {
      await pool.stop();
      await close();
    }
  });

  it("retries a transient failure, then gives up after the last attempt and dead-letters the message", async () => {
    // A model that cannot be loaded is a transient error (the hub may come back): retried.
    const { svc, close } = await servicesOn(handle, { clipModel: "/nonexistent/clip-model", maxAttempts: 3 });
    const pool = startWorkerPool(svc, { concurrency: 1, pollMs: 50, maxRetryDelaySec: 0 });
    try {
      const queued = await queuedVideo(svc, "pool-retry");
      const done = await until(() => Video.get(svc, "pool-retry", queued.id), (v) => v.status === "failed");
      expect(done.status).toBe("failed");
      expect(done.error?.code).toBe("job.gave_up");
      expect(done.error?.message).toContain("Gave up after 3 attempts");
      expect(done.error?.message).toContain("/nonexistent/clip-model");
      expect(done.job).toMatchObject({ status: "failed", attempts: 3 });
      const stats = await (svc.queue as unknown as { stats(): Promise<{ dead: number; ready: number; inFlight: number }> }).stats();
      expect(stats).toMatchObject({ dead: 1, ready: 0, inFlight: 0 });
      // The upload is kept so the job can be retried; nothing derived from it is.
      expect(await svc.blobs.stat((await Video.find(svc, queued.id))!.blobKey)).toBeDefined();
      expect(await svc.blobs.list(`${Video.videoPrefix("pool-retry", queued.id)}frames/`)).toEqual([]);
    } finally {
      await pool.stop();
      await close();
    }
  });

  it("dead-letters a malformed message and drops a replayed one", async () => {
    const { svc, close } = await servicesOn(handle, { clipModel: await testModelDir() });
    const pool = startWorkerPool(svc, { concurrency: 1, pollMs: 50 });
    const stats = () => (svc.queue as unknown as { stats(): Promise<{ dead: number; ready: number; inFlight: number }> }).stats();
    try {
      const before = await stats();
      await svc.queue.send({ jobId: 42 } as unknown as JobMessage);
      await until(stats, (s) => s.dead === before.dead + 1);
      expect((await stats()).dead).toBe(before.dead + 1);

      const queued = await queuedVideo(svc, "pool-replay");
      await until(() => Video.get(svc, "pool-replay", queued.id), (v) => v.status === "ready");
      // The same message again (SQS delivers at least once): the finished job is not run again.
      await svc.queue.send({ jobId: queued.job!.id, videoId: queued.id, tenantId: "pool-replay" });
      await until(stats, (s) => s.ready === 0 && s.inFlight === 0);
      const job = await Job.get(svc.db, queued.job!.id);
      expect(job).toMatchObject({ status: "succeeded", attempts: 1 });
      expect((await stats()).dead).toBe(before.dead + 1);
    } finally {
      await pool.stop();
      await close();
    }
  });
});
