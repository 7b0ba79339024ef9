import { ECSClient, StopTaskCommand } from "@aws-sdk/client-ecs";
import { Job, Library, Video } from "@vos/core";
import { startCloudRuntime, type CloudRuntime } from "@vos/core/runtime/cloud";
import { mockClient } from "aws-sdk-client-mock";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startCloudTestEnvironment, type CloudTestEnvironment } from "../../core/test/cloud/support/cloud-env.js";
import { seedJob } from "../../core/test/cloud/support/jobs.js";
import { handler } from "../src/reconciler.js";
import { handler as taskEvents } from "../src/task-events.js";

const ecs = mockClient(ECSClient);
let env: CloudTestEnvironment;
let runtime: CloudRuntime;
const past = () => new Date(Date.now() - 60_000);
const future = () => new Date(Date.now() + 600_000);

beforeAll(async () => {
  // Crashes are expected here: keep their warnings out of the test output.
  env = await startCloudTestEnvironment({ env: { VOS_LOG_LEVEL: "error" } });
  Object.assign(process.env, env.env);
  runtime = await startCloudRuntime(env.config("worker"));
});
afterAll(async () => {
  ecs.restore();
  await runtime.close();
  await env.close();
});
beforeEach(async () => {
  ecs.reset();
  ecs.on(StopTaskCommand).resolves({});
  await env.fauxqs.purge(env.names.jobs, env.names.deadLetters, env.names.alerts);
});

describe("reconciler handler", () => {
  it("re-queues jobs whose task missed its deadline, stops the task, and leaves live jobs alone", async () => {
    const { db } = runtime.services;
    // Launched, but the task never began the job.
    const neverStarted = await seedJob(runtime.services);
    await Job.assignTask(db, neverStarted.job.id, "arn:task/slow", past());
    // Running, but its heartbeats stopped.
    const silent = await seedJob(runtime.services);
    await Job.assignTask(db, silent.job.id, "arn:task/silent", future());
    await Job.begin(db, silent.job.id, "arn:task/silent");
    await Job.heartbeat(db, silent.job.id, "arn:task/silent", past());
    // Running and heartbeating.
    const live = await seedJob(runtime.services);
    await Job.begin(db, live.job.id, "arn:task/live");
    await Job.heartbeat(db, live.job.id, "arn:task/live", future());

    expect(await handler()).toEqual({ requeued: 2, failed: 0, deletionsFinished: 0, oldVectorsRemoved: 0 });
    expect(await Job.get(db, neverStarted.job.id)).toMatchObject({ status: "queued", attempts: 1, taskId: null, lastError: expect.stringContaining("did not start") });
    expect(await Job.get(db, silent.job.id)).toMatchObject({ status: "queued", attempts: 1, taskId: null, lastError: expect.stringContaining("stopped reporting progress") });
    expect(await Job.get(db, live.job.id)).toMatchObject({ status: "running", taskId: "arn:task/live" });
    expect(ecs.commandCalls(StopTaskCommand).map((c) => c.args[0].input.task).sort()).toEqual(["arn:task/silent", "arn:task/slow"]);
    const requeued = env.fauxqs.messages(env.names.jobs).map((m) => (JSON.parse(m.body) as { jobId: string }).jobId).sort();
    expect(requeued).toEqual([neverStarted.job.id, silent.job.id].sort());
    // A live worker that was written off notices at its next heartbeat.
    expect(await Job.heartbeat(db, silent.job.id, "arn:task/silent", future())).toBe(false);
    // The stopped task's event, when it comes, changes nothing more.
    const late = await taskEvents({
      version: "0",
      id: "e",
      "detail-type": "ECS Task State Change",
      source: "aws.ecs",
      account: "1",
      time: "",
      region: "us-east-1",
      resources: [],
      detail: {
        taskArn: "arn:task/silent",
        lastStatus: "STOPPED",
        stopCode: "UserInitiated",
        containers: [{ name: "worker", exitCode: 143 }],
        overrides: { containerOverrides: [{ name: "worker", environment: [{ name: "VOS_JOB_ID", value: silent.job.id }] }] },
      },
    });
    expect(late).toEqual({ settlement: "ignored" });
    expect(env.fauxqs.messages(env.names.jobs)).toHaveLength(2);
    expect(await handler()).toEqual({ requeued: 0, failed: 0, deletionsFinished: 0, oldVectorsRemoved: 0 });
  });

  it("fails a stuck job whose attempts are used up, with a dead letter", async () => {
    const { db } = runtime.services;
    const { job, message } = await seedJob(runtime.services, { maxAttempts: 2 });
    await Job.begin(db, job.id, "arn:task/1");
    await Job.begin(db, job.id, "arn:task/2");
    await Job.heartbeat(db, job.id, "arn:task/2", past());
    expect(await handler()).toEqual({ requeued: 0, failed: 1, deletionsFinished: 0, oldVectorsRemoved: 0 });
    const failed = await Job.get(db, job.id);
    expect(failed).toMatchObject({ status: "failed" });
    expect(failed!.lastError).toMatch(/^job\.gave_up: Gave up after 2 attempts; last error: task arn:task\/2 stopped reporting progress/);
    expect(failed!.errorCode).toBe("job.gave_up");
    const [dead] = env.fauxqs.messages(env.names.deadLetters);
    expect(JSON.parse(dead!.body)).toEqual(message);
  });

  it("removes the old vectors a library switch listed but could not remove, and lists them no more", async () => {
    const { db, vectors } = runtime.services;
    const tenantId = "t-switched";
    const { video } = await seedJob(runtime.services, { tenantId });
    await db.insert(Library.modelTable).values({ key: "clip-old", name: "clip-old", source: "clip-old", revision: null, textDtype: "fp32", visionDtype: "fp32", dimension: 4 });
    const old = await vectors.index("clip-old", 4);
    const record = (frameNo: number) => ({ id: `${video.id}#f${frameNo}`, values: [1, 0, 0, frameNo], metadata: { videoId: video.id, kind: "frame" as const, timeSec: frameNo, frameNo } });
    await old.upsert(tenantId, [record(0), record(1)]);
    await db.insert(Library.staleVectorsTable).values({ videoId: video.id, tenantId, modelKey: "clip-old" });

    expect(await handler()).toEqual({ requeued: 0, failed: 0, deletionsFinished: 0, oldVectorsRemoved: 2 });
    expect(await old.listIds(tenantId, `${video.id}#`)).toEqual([]);
    expect(await db.select().from(Library.staleVectorsTable)).toEqual([]);
    expect(await handler()).toEqual({ requeued: 0, failed: 0, deletionsFinished: 0, oldVectorsRemoved: 0 });
  });

  it("finishes deletions cut short (marked over 10 minutes ago), and leaves a newer one to the request that marked it", async () => {
    const { db } = runtime.services;
    const cut = await seedJob(runtime.services, { tenantId: "t-deleting" });
    const recent = await seedJob(runtime.services, { tenantId: "t-deleting" });
    const mark = (id: string, at: Date) => db.update(Video.videoTable).set({ status: "deleting", updatedAt: at }).where(eq(Video.videoTable.id, id));
    await mark(cut.video.id, new Date(Date.now() - Video.DELETION_GRACE_MS - 60_000));
    await mark(recent.video.id, new Date());

    expect(await handler()).toEqual({ requeued: 0, failed: 0, deletionsFinished: 1, oldVectorsRemoved: 0 });
    expect(await Video.find(runtime.services, cut.video.id)).toBeUndefined();
    expect(await Job.get(db, cut.job.id)).toBeUndefined();
    expect((await Video.find(runtime.services, recent.video.id))?.status).toBe("deleting");
  });
});
