import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startCloudRuntime, type CloudRuntime } from "../../src/runtime/cloud/runtime.js";
import { runCloudJob } from "../../src/runtime/cloud/worker.js";
import * as Job from "../../src/job/index.js";
import type { Services } from "../../src/services.js";
import * as Video from "../../src/video/index.js";
import { testModelDir } from "../support/test-model.js";
import { colourVideo } from "../support/videos.js";
import { startCloudTestEnvironment, type CloudTestEnvironment } from "./support/cloud-env.js";

let env: CloudTestEnvironment;
let runtime: CloudRuntime;
let video: Buffer;
const retry = { retries: 1, baseDelayMs: 5, maxDelayMs: 10 };

beforeAll(async () => {
  env = await startCloudTestEnvironment({
    dimension: 16,
    env: { VOS_CLIP_MODEL: await testModelDir(), VOS_DETECTOR: "off", VOS_DEDUP: "false", VOS_SAMPLE_FPS: "1", VOS_EMBED_BATCH: "4", VOS_LOG_LEVEL: "error" },
  });
  runtime = await startCloudRuntime(env.config("worker"), { pineconeRetry: retry });
  video = await readFile(await colourVideo());
});
afterAll(async () => {
  await runtime.close();
  await env.close();
});
beforeEach(async () => env.fauxqs.purge(env.names.jobs, env.names.deadLetters, env.names.alerts));

/** An uploaded colour video with a queued job, as the API leaves it. */
async function uploaded(svc: Services, maxAttempts = 3) {
  const row = await Video.create(svc, "t1", { filename: "colours.mp4", sizeBytes: video.length, contentType: "video/mp4" });
  await svc.blobs.put(row.blobKey, video, { contentType: "video/mp4" });
  await Video.setStatus(svc.db, row.id, { status: "queued" });
  const job = await Job.create(svc.db, { tenantId: "t1", videoId: row.id, maxAttempts });
  return { video: row, job, message: { jobId: job.id, videoId: row.id, tenantId: "t1" } };
}

describe("worker task (runCloudJob)", () => {
  it("runs the job to the end with the cloud adapters", async () => {
    const { job, video: row } = await uploaded(runtime.services);
    expect(await runCloudJob(runtime, job.id, { taskId: "arn:task/ok" })).toEqual({ code: 0, outcome: { kind: "succeeded", frames: 20 } });
    expect(await Job.get(runtime.services.db, job.id)).toMatchObject({ status: "succeeded", attempts: 1, taskId: "arn:task/ok" });
    expect(await runtime.services.vectors.listIds("t1", `${row.id}#`)).toHaveLength(20);
    expect((await runtime.services.blobs.list(`t1/videos/${row.id}/frames/`)).length).toBe(20);
    expect(env.fauxqs.messages(env.names.jobs)).toEqual([]);
  });

  it("re-queues a transient failure as a delayed message, and the next attempt resumes", async () => {
    const { job, message } = await uploaded(runtime.services);
    env.pinecone.failNext(1 + retry.retries, 503, { path: /^\/vectors\/upsert$/ });
    const first = await runCloudJob(runtime, job.id, { taskId: "arn:task/a" });
    expect(first).toMatchObject({ code: 0, outcome: { kind: "retry", delaySec: 5 } });
    expect(await Job.get(runtime.services.db, job.id)).toMatchObject({ status: "queued", attempts: 1, taskId: null, deadlineAt: null });
    expect(env.fauxqs.messages(env.names.jobs)).toEqual([{ body: JSON.stringify(message), attributes: {}, delaySec: 5 }]);
    expect(await runCloudJob(runtime, job.id, { taskId: "arn:task/b" })).toMatchObject({ outcome: { kind: "succeeded", frames: 20 } });
    expect(await Job.get(runtime.services.db, job.id)).toMatchObject({ status: "succeeded", attempts: 2 });
  });

  it("dead-letters and alerts when the last attempt fails", async () => {
    const { job, message } = await uploaded(runtime.services, 1);
    env.pinecone.failNext(1 + retry.retries, 500, { path: /^\/vectors\/upsert$/ });
    expect(await runCloudJob(runtime, job.id, { taskId: "arn:task/last" })).toMatchObject({ code: 0, outcome: { kind: "gave-up" } });
    expect(await Job.get(runtime.services.db, job.id)).toMatchObject({ status: "failed", errorCode: "job.gave_up", lastError: expect.stringMatching(/^job\.gave_up: Gave up after 1 attempt;/) });
    const [dead] = env.fauxqs.messages(env.names.deadLetters);
    expect(JSON.parse(dead!.body)).toEqual(message);
    expect(env.fauxqs.messages(env.names.alerts)[0]!.body).toContain(job.id);
  });

  it("hands the job back at once when the task is told to stop (SIGTERM)", async () => {
    const { job, message } = await uploaded(runtime.services);
    const stop = new AbortController();
    stop.abort();
    expect(await runCloudJob(runtime, job.id, { taskId: "arn:task/spot", signal: stop.signal })).toMatchObject({ code: 0, outcome: { kind: "interrupted" } });
    expect(await Job.get(runtime.services.db, job.id)).toMatchObject({ status: "queued", taskId: null, lastError: "interrupted by shutdown" });
    expect(env.fauxqs.messages(env.names.jobs)).toEqual([{ body: JSON.stringify(message), attributes: {}, delaySec: 0 }]);
  });

  it("stops without re-queueing when the job was taken away (the reconciler re-queued it)", async () => {
    // Many frames, so the work is still going when the heartbeat notices.
    const slow = await startCloudRuntime(env.config("worker", { VOS_SAMPLE_FPS: "10", VOS_EMBED_BATCH: "2" }));
    try {
      const { job } = await uploaded(slow.services);
      const running = runCloudJob(slow, job.id, { taskId: "arn:task/late", heartbeatSec: 0.05 });
      while ((await Job.get(slow.services.db, job.id))?.status !== "running") await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await Job.detach(slow.services.db, job.id, { taskId: "arn:task/late", reason: "no heartbeat" })).toBeDefined();
      expect(await running).toMatchObject({ code: 0, outcome: { kind: "interrupted" } });
      expect(await Job.get(slow.services.db, job.id)).toMatchObject({ status: "queued", taskId: null, lastError: "no heartbeat" });
      expect(env.fauxqs.messages(env.names.jobs)).toEqual([]);
    } finally {
      await slow.close();
    }
  });

  it("has nothing to do for an unknown job", async () => {
    expect(await runCloudJob(runtime, "job_unknown", { taskId: "arn:task/x" })).toEqual({ code: 0 });
  });
});
