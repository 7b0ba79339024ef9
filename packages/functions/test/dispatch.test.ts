import { ECSClient, ListTasksCommand, RunTaskCommand } from "@aws-sdk/client-ecs";
import { DEFER_SEC, startCloudRuntime, type CloudRuntime } from "@vos/core/runtime/cloud";
import { Job } from "@vos/core";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startCloudTestEnvironment, type CloudTestEnvironment } from "../../core/test/cloud/support/cloud-env.js";
import { seedJob } from "../../core/test/cloud/support/jobs.js";
import { handler } from "../src/dispatch.js";

// ECS has no local emulator: its client is mocked; SQS, S3, Pinecone and PostgreSQL are real.
const ecs = mockClient(ECSClient);
const GiB = 1024 ** 3;
let env: CloudTestEnvironment;
let runtime: CloudRuntime;

beforeAll(async () => {
  env = await startCloudTestEnvironment();
  Object.assign(process.env, env.env, { VOS_MAX_TASKS: "3" });
  runtime = await startCloudRuntime(env.config("api"));
});
afterAll(async () => {
  ecs.restore();
  await runtime.close();
  await env.close();
});
beforeEach(() => {
  ecs.reset();
  env.fauxqs.server.reset();
  ecs.on(ListTasksCommand).resolves({ taskArns: [] });
});

let sequence = 0;
function record(body: unknown, messageAttributes: SQSRecord["messageAttributes"] = {}): SQSRecord {
  const id = `msg-${++sequence}`;
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body: typeof body === "string" ? body : JSON.stringify(body),
    attributes: { ApproximateReceiveCount: "1", SentTimestamp: "0", SenderId: "x", ApproximateFirstReceiveTimestamp: "0" },
    messageAttributes,
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:vos-jobs",
    awsRegion: "us-east-1",
  };
}
const event = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

describe("dispatch handler", () => {
  it("starts a Fargate task for a small video and records it on the job", async () => {
    const { job, message } = await seedJob(runtime.services);
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: "arn:aws:ecs:us-east-1:1:task/vos/t1" }] });
    const r = record(message);
    expect(await handler(event(r))).toEqual({ batchItemFailures: [] });
    const input = ecs.commandCalls(RunTaskCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ cluster: "vos-workers", taskDefinition: "vos-worker-cpu:3", launchType: "FARGATE", clientToken: r.messageId });
    expect(input.overrides?.containerOverrides?.[0]?.environment).toEqual([{ name: "VOS_JOB_ID", value: job.id }]);
    const after = await Job.get(runtime.services.db, job.id);
    expect(after).toMatchObject({ status: "queued", taskId: "arn:aws:ecs:us-east-1:1:task/vos/t1" });
    expect(after!.deadlineAt!.getTime()).toBeGreaterThan(Date.now() + 30 * 60 * 1000);
  });

  it("runs a large video on the GPU capacity provider", async () => {
    const { message } = await seedJob(runtime.services, { sizeBytes: 3 * GiB });
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: "arn:gpu" }] });
    expect(await handler(event(record(message)))).toEqual({ batchItemFailures: [] });
    expect(ecs.commandCalls(RunTaskCommand)[0]!.args[0].input).toMatchObject({
      taskDefinition: "vos-worker-gpu:3",
      capacityProviderStrategy: [{ capacityProvider: "vos-gpu" }],
    });
  });

  it("reports a task ECS cannot place (no capacity) as a batch item failure, so SQS retries it", async () => {
    const small = await seedJob(runtime.services);
    const other = await seedJob(runtime.services);
    ecs
      .on(RunTaskCommand)
      .resolvesOnce({ tasks: [], failures: [{ reason: "Capacity is unavailable at this time. Please try again later or in a different availability zone" }] })
      .resolvesOnce({ tasks: [{ taskArn: "arn:ok" }] });
    const failing = record(small.message);
    const passing = record(other.message);
    expect(await handler(event(failing, passing))).toEqual({ batchItemFailures: [{ itemIdentifier: failing.messageId }] });
    expect(await Job.get(runtime.services.db, small.job.id)).toMatchObject({ status: "queued", taskId: null });
    expect(await Job.get(runtime.services.db, other.job.id)).toMatchObject({ taskId: "arn:ok" });
    // Throttling is a failure too.
    ecs.on(RunTaskCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    const throttled = record(small.message);
    expect(await handler(event(throttled))).toEqual({ batchItemFailures: [{ itemIdentifier: throttled.messageId }] });
  });

  it("defers jobs while VOS_MAX_TASKS tasks run, without spending their receive count", async () => {
    const running = await seedJob(runtime.services);
    const waiting = await seedJob(runtime.services);
    ecs.on(ListTasksCommand).resolves({ taskArns: ["a", "b"] });
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: "arn:third" }] });
    expect(await handler(event(record(running.message), record(waiting.message)))).toEqual({ batchItemFailures: [] });
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
    const queued = env.fauxqs.messages(env.names.jobs);
    expect(queued).toEqual([expect.objectContaining({ delaySec: DEFER_SEC })]);
    expect(JSON.parse(queued[0]!.body)).toEqual(waiting.message);
  });

  it("drops messages of finished, unknown or live jobs, and dead-letters malformed ones", async () => {
    const done = await seedJob(runtime.services);
    await Job.succeed(runtime.services.db, done.job.id, Job.emptyProgress());
    const live = await seedJob(runtime.services);
    await Job.begin(runtime.services.db, live.job.id, "arn:live");
    await Job.heartbeat(runtime.services.db, live.job.id, "arn:live", new Date(Date.now() + 300_000));
    const result = await handler(event(record(done.message), record({ jobId: "job_nope", videoId: "vid_nope", tenantId: "t1" }), record(live.message), record("{not json")));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
    const [dead] = env.fauxqs.messages(env.names.deadLetters);
    expect(dead).toMatchObject({ body: "{not json", attributes: { reason: expect.stringContaining("malformed message") } });
  });

  it("revives a job that gave up when an operator redrives its dead letter", async () => {
    const { job, video, message } = await seedJob(runtime.services);
    await Job.fail(runtime.services.db, job.id, Job.gaveUp(3, "boom"));
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: "arn:again" }] });
    // Without the dead letter's attributes the message is a stale duplicate: dropped.
    await handler(event(record(message)));
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
    await handler(event(record(message, { reason: { dataType: "String", stringValue: "Gave up", stringListValues: [], binaryListValues: [] } })));
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
    expect(await Job.get(runtime.services.db, job.id)).toMatchObject({ status: "queued", attempts: 0, lastError: null, errorCode: null, taskId: "arn:again" });
    const { Video } = await import("@vos/core");
    expect((await Video.find(runtime.services, video.id))?.status).toBe("queued");
  });

  const redriveAttributes = { reason: { dataType: "String", stringValue: "Gave up", stringListValues: [], binaryListValues: [] } };

  it("drops a redriven dead letter whose video was deleted meanwhile, and starts nothing", async () => {
    const { job, video, message } = await seedJob(runtime.services);
    await Job.fail(runtime.services.db, job.id, Job.gaveUp(3, "boom"));
    const { Video } = await import("@vos/core");
    await Video.remove(runtime.services, "t1", video.id);
    expect(await handler(event(record(message, redriveAttributes)))).toEqual({ batchItemFailures: [] });
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
    expect(env.fauxqs.messages(env.names.deadLetters)).toEqual([]);
    expect(await Job.get(runtime.services.db, job.id)).toBeUndefined();
  });

  it("revives a segment that gave up, and the video keeps the other segments' frames", async () => {
    const { job, video } = await seedJob(runtime.services);
    const { Video, Frame } = await import("@vos/core");
    const [segment] = await runtime.services.db.transaction((tx) =>
      Job.addSegments(tx, job, [
        { segment: 0, startSec: 0, endSec: 120 },
        { segment: 1, startSec: 120, endSec: null },
      ]),
    );
    await Job.setRange(runtime.services.db, job.id, { startSec: 0, endSec: 120 });
    await Job.succeed(runtime.services.db, job.id, Job.emptyProgress());
    await Frame.upsertMany(runtime.services.db, [0, 1].map((frameNo) => ({ videoId: video.id, frameNo, tenantId: "t1", timeSec: frameNo, endSec: frameNo + 1, reason: "interval" as const, thumbnailKey: `k${frameNo}` })));
    await Job.fail(runtime.services.db, segment!.id, Job.gaveUp(3, "boom"));
    await Video.setStatus(runtime.services.db, video.id, { status: "failed", errorCode: Job.GAVE_UP, errorMessage: "Segment 2 of 2: gave up" });
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: "arn:segment" }] });
    await handler(event(record({ jobId: segment!.id, videoId: video.id, tenantId: "t1" }, redriveAttributes)));
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
    expect(await Job.get(runtime.services.db, segment!.id)).toMatchObject({ status: "queued", attempts: 0, taskId: "arn:segment" });
    expect(await Video.find(runtime.services, video.id)).toMatchObject({ status: "queued", frameCount: 2, errorCode: null });
  });
});
