import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSnsAlerts } from "../../src/runtime/cloud/alerts.js";
import { createSqsJobQueue, type SqsJobQueue } from "../../src/queue/sqs.js";
import { startFauxqs, useFauxqsEnvironment, type Fauxqs } from "../support/fauxqs.js";

let fauxqs: Fauxqs;
let sqs: SQSClient;
let queue: SqsJobQueue;
const message = (n: number) => ({ jobId: `job_${n}`, videoId: `vid_${n}`, tenantId: "t1" });
const bodies = (name: string) => fauxqs.messages(name).map((m) => JSON.parse(m.body) as unknown);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  fauxqs = await startFauxqs();
  useFauxqsEnvironment(fauxqs);
  sqs = new SQSClient({ region: "us-east-1", useQueueUrlAsEndpoint: false });
  const jobs = fauxqs.queue("jobs", { deadLetters: "dead", maxReceiveCount: 2 });
  queue = createSqsJobQueue(sqs, { queueUrl: jobs.url, deadLetterQueueUrl: jobs.deadLettersUrl! });
});
afterAll(async () => fauxqs.stop());

describe("SQS job queue on fauxqs", () => {
  it("sends, hides a received message, and deletes it by receipt handle", async () => {
    await queue.send(message(1));
    const [received] = await queue.receive({ max: 10, visibilityTimeoutSec: 30 });
    expect(JSON.parse(received!.body)).toEqual(message(1));
    expect(received!.receiveCount).toBe(1);
    expect(await queue.receive({ max: 10, visibilityTimeoutSec: 30 })).toEqual([]);
    await queue.delete(received!.receiptHandle);
    expect(fauxqs.messages("jobs")).toEqual([]);
  });

  it("delays a message, and hands one back early with changeVisibility", async () => {
    await queue.send(message(2), { delaySec: 30 });
    expect(fauxqs.messages("jobs")).toEqual([expect.objectContaining({ delaySec: 30 })]);
    expect(await queue.receive({ max: 10, visibilityTimeoutSec: 30 })).toEqual([]);
    // Delays past SQS's 15 minutes are capped, not refused.
    await queue.send(message(3), { delaySec: 5000 });
    expect(fauxqs.messages("jobs").map((m) => m.delaySec).sort((a, b) => a - b)).toEqual([30, 900]);
    fauxqs.server.reset();

    await queue.send(message(4));
    const [first] = await queue.receive({ max: 1, visibilityTimeoutSec: 60 });
    await queue.changeVisibility(first!.receiptHandle, 0);
    const [again] = await queue.receive({ max: 1, visibilityTimeoutSec: 60 });
    expect(again!.id).toBe(first!.id);
    expect(again!.receiveCount).toBe(2);
    await queue.delete(again!.receiptHandle);
  });

  it("dead-letters a received message with its body and the reason, and removes it from the jobs queue", async () => {
    await queue.send(message(5));
    const [received] = await queue.receive({ max: 1, visibilityTimeoutSec: 30 });
    await queue.deadLetter(received!.receiptHandle, "Gave up after 3 attempts; last error: boom");
    expect(fauxqs.messages("jobs")).toEqual([]);
    const [dead] = fauxqs.messages("dead");
    expect(JSON.parse(dead!.body)).toEqual(message(5));
    expect(dead!.attributes.reason).toBe("Gave up after 3 attempts; last error: boom");
    expect(dead!.attributes.failedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    await expect(queue.deadLetter("unknown-handle", "x")).rejects.toThrow(/received by this queue/);
    fauxqs.server.reset();
  });

  it("sends a job straight to the dead letters, and SQS's redrive moves a message received too often", async () => {
    await queue.sendDeadLetter(message(6), "task crashed three times");
    expect(bodies("dead")).toEqual([message(6)]);
    fauxqs.server.reset();

    await queue.send(message(7));
    for (let i = 0; i < 2; i++) {
      const [received] = await queue.receive({ max: 1, visibilityTimeoutSec: 1 });
      expect(received?.receiveCount).toBe(i + 1);
      await sleep(1100);
    }
    expect(await queue.receive({ max: 1, visibilityTimeoutSec: 1 })).toEqual([]);
    expect(bodies("dead")).toEqual([message(7)]);
  });
});

describe("SNS alerts on fauxqs", () => {
  it("publishes which job gave up and why to the alerts topic", async () => {
    fauxqs.queue("inbox");
    const { topicArn } = fauxqs.server.createTopic("alerts");
    fauxqs.server.subscribe({ topic: "alerts", queue: "inbox" });
    const alerts = createSnsAlerts(new SNSClient({ region: "us-east-1" }), topicArn);
    await alerts.jobGaveUp({ jobId: "job_9", videoId: "vid_9", tenantId: "t1", reason: "OutOfMemoryError: Container killed" });
    const [delivered] = fauxqs.messages("inbox");
    const envelope = JSON.parse(delivered!.body) as { Subject: string; Message: string; TopicArn: string };
    expect(envelope.TopicArn).toBe(topicArn);
    expect(envelope.Subject).toBe("Video processing failed: vid_9");
    expect(envelope.Message).toContain("job:    job_9");
    expect(envelope.Message).toContain("reason: OutOfMemoryError: Container killed");
  });
});
