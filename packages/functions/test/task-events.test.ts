import { Frame, Job, Video } from "@vos/core";
import { startCloudRuntime, type CloudRuntime } from "@vos/core/runtime/cloud";
import type { EventBridgeEvent } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startCloudTestEnvironment, type CloudTestEnvironment } from "../../core/test/cloud/support/cloud-env.js";
import { seedJob } from "../../core/test/cloud/support/jobs.js";
import { handler } from "../src/task-events.js";

let env: CloudTestEnvironment;
let runtime: CloudRuntime;

beforeAll(async () => {
  // Crashes are expected here: keep their warnings out of the test output.
  env = await startCloudTestEnvironment({ env: { VOS_LOG_LEVEL: "error" } });
  Object.assign(process.env, env.env);
  runtime = await startCloudRuntime(env.config("worker"));
});
afterAll(async () => {
  await runtime.close();
  await env.close();
});
const purge = () => env.fauxqs.purge(env.names.jobs, env.names.deadLetters, env.names.alerts);
beforeEach(purge);

/** EventBridge's "ECS Task State Change" for a stopped worker task. */
function stopped(taskArn: string, jobId: string, container: { exitCode?: number; reason?: string }, extra: Record<string, unknown> = {}): EventBridgeEvent<string, unknown> {
  return {
    version: "0",
    id: `event-${taskArn}`,
    "detail-type": "ECS Task State Change",
    source: "aws.ecs",
    account: "123456789012",
    time: new Date().toISOString(),
    region: "us-east-1",
    resources: [taskArn],
    detail: {
      clusterArn: "arn:aws:ecs:us-east-1:123456789012:cluster/vos-workers",
      taskArn,
      lastStatus: "STOPPED",
      desiredStatus: "STOPPED",
      startedBy: "vos-dispatch",
      stopCode: "EssentialContainerExited",
      stoppedReason: "Essential container in task exited",
      containers: [{ name: "worker", lastStatus: "STOPPED", ...container }],
      overrides: { containerOverrides: [{ name: "worker", environment: [{ name: "VOS_JOB_ID", value: jobId }] }] },
      ...extra,
    },
  };
}

const jobsQueue = () => env.fauxqs.messages(env.names.jobs);

describe("task-events handler", () => {
  it("re-queues a crashed task's job with backoff, and fails it with the reason and a DLQ message at the third crash", async () => {
    const { db } = runtime.services;
    const { job, video, message } = await seedJob(runtime.services);
    // Things an attempt made, which failing must remove: a thumbnail, a vector, a frame row.
    const thumbnail = Frame.thumbnailKey("t1", video.id, 0);
    await runtime.services.blobs.put(thumbnail, Buffer.from("jpeg"));
    await runtime.services.blobs.put(video.blobKey, Buffer.from("the upload"));
    const index = await runtime.services.vectors.index("model-x", 4);
    await index.upsert("t1", [{ id: `${video.id}#f0`, values: [1, 0, 0, 0], metadata: { videoId: video.id, kind: "frame", timeSec: 0, frameNo: 0 } }]);

    // Crash 1: the task died before beginning the job (it never counted its attempt).
    await Job.assignTask(db, job.id, "arn:task/1", new Date(Date.now() + 60_000));
    expect(await handler(stopped("arn:task/1", job.id, { exitCode: 1 }))).toEqual({ settlement: "requeued" });
    expect(await Job.get(db, job.id)).toMatchObject({ status: "queued", attempts: 1, taskId: null, deadlineAt: null, lastError: expect.stringContaining("exit code 1") });
    expect(jobsQueue()).toEqual([{ body: JSON.stringify(message), attributes: {}, delaySec: 5 }]);

    // Crash 2: the worker began (attempt 2) and ran out of memory.
    await purge();
    await Job.assignTask(db, job.id, "arn:task/2", new Date(Date.now() + 60_000));
    await Job.begin(db, job.id, "arn:task/2");
    expect(await handler(stopped("arn:task/2", job.id, { exitCode: 137, reason: "OutOfMemoryError: Container killed due to memory usage" }))).toEqual({ settlement: "requeued" });
    expect(await Job.get(db, job.id)).toMatchObject({ status: "queued", attempts: 2, lastError: expect.stringContaining("OutOfMemoryError") });
    expect(jobsQueue().map((m) => m.delaySec)).toEqual([10]);

    // Crash 3: attempts are used up.
    await purge();
    await Job.assignTask(db, job.id, "arn:task/3", new Date(Date.now() + 60_000));
    await Job.begin(db, job.id, "arn:task/3");
    const oom = stopped("arn:task/3", job.id, { exitCode: 137, reason: "OutOfMemoryError: Container killed due to memory usage" });
    expect(await handler(oom)).toEqual({ settlement: "failed" });
    const failed = await Job.get(db, job.id);
    expect(failed).toMatchObject({ status: "failed", attempts: 3 });
    expect(failed!.lastError).toMatch(/^job\.gave_up: Gave up after 3 attempts; last error: .*OutOfMemoryError: Container killed due to memory usage/);
    expect(failed!.errorCode).toBe("job.gave_up");
    expect(await Video.find(runtime.services, video.id)).toMatchObject({ status: "failed", errorCode: "job.gave_up" });
    expect(jobsQueue()).toEqual([]);
    const dead = env.fauxqs.messages(env.names.deadLetters);
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]!.body)).toEqual(message);
    expect(dead[0]!.attributes.reason).toContain("Gave up after 3 attempts");
    expect(dead[0]!.attributes.reason).toContain("OutOfMemoryError");
    // The alert names the job and the reason.
    const [alert] = env.fauxqs.messages(env.names.alerts);
    expect(alert!.body).toContain(`job:    ${job.id}`);
    expect(alert!.body).toContain("OutOfMemoryError");
    // What the attempts made is gone; the upload stays, so the job can be retried.
    expect(await runtime.services.blobs.stat(thumbnail)).toBeUndefined();
    expect(await runtime.services.vectors.listIds("t1", `${video.id}#`)).toEqual([]);
    expect(await runtime.services.blobs.stat(video.blobKey)).toMatchObject({ size: 10 });

    // The same event again (EventBridge delivers at least once) changes nothing.
    expect(await handler(oom)).toEqual({ settlement: "ignored" });
    expect(env.fauxqs.messages(env.names.deadLetters)).toHaveLength(1);
  });

  it("ignores tasks that finished cleanly, stale tasks and events that are not stops", async () => {
    const { db } = runtime.services;
    const handedBack = await seedJob(runtime.services);
    await Job.assignTask(db, handedBack.job.id, "arn:task/a", new Date(Date.now() + 60_000));
    await Job.begin(db, handedBack.job.id, "arn:task/a");
    await Job.release(db, handedBack.job.id, "interrupted by shutdown");
    // The worker re-queued its job itself and exited 0.
    expect(await handler(stopped("arn:task/a", handedBack.job.id, { exitCode: 0 }))).toEqual({ settlement: "ignored" });

    const moved = await seedJob(runtime.services);
    await Job.assignTask(db, moved.job.id, "arn:task/new", new Date(Date.now() + 60_000));
    expect(await handler(stopped("arn:task/old", moved.job.id, { exitCode: 1 }))).toEqual({ settlement: "ignored" });

    const done = await seedJob(runtime.services);
    await Job.succeed(db, done.job.id, Job.emptyProgress());
    expect(await handler(stopped("arn:task/d", done.job.id, { exitCode: 0 }))).toEqual({ settlement: "ignored" });

    expect(await handler(stopped("arn:task/new", moved.job.id, { exitCode: 1 }, { lastStatus: "RUNNING" }))).toEqual({ settlement: "ignored" });
    expect(jobsQueue()).toEqual([]);
    expect(await Job.get(db, moved.job.id)).toMatchObject({ attempts: 0, taskId: "arn:task/new" });
  });

  it("counts a task that never started (image pull failure) against the job's attempts", async () => {
    const { db } = runtime.services;
    const { job } = await seedJob(runtime.services, { maxAttempts: 1 });
    await Job.assignTask(db, job.id, "arn:task/p", new Date(Date.now() + 60_000));
    const event = stopped("arn:task/p", job.id, {}, { stopCode: "TaskFailedToStart", stoppedReason: "CannotPullContainerError: pull access denied" });
    expect(await handler(event)).toEqual({ settlement: "failed" });
    expect((await Job.get(db, job.id))!.lastError).toContain("CannotPullContainerError");
  });
});
