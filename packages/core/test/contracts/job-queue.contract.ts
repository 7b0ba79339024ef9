/**
 * The JobQueue contract: SQS semantics as the worker pool, the dispatcher and the worker rely on
 * them, held against every queue (the database queue, SQS). Each test gets a fresh, empty queue.
 * Timing cases use 1-second timeouts and poll for the message, so they take about a second.
 *
 * Not promised, so not tested: delivery order (SQS standard queues have none); whether a
 * handed-back delivery counts toward the dead-letter limit (the database queue does not count
 * it, SQS cannot tell); a receipt handle the queue never issued (SQS refuses one, the database
 * queue ignores it: the domain only passes handles it received); the order of dead letters that
 * died within the same second. `sendDeadLetter` exists on the
 * SQS queue only and is tested in cloud/sqs-sns.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobMessage, JobQueue, ReceivedMessage } from "../../src/queue/index.js";
import { sleep, unique } from "./support.js";

export interface JobQueueHarness {
  queue: JobQueue;
  /** Deliveries after which an undeleted message goes to the dead letters. */
  maxReceiveCount: number;
  /** Sends a body exactly as given (another producer, a hand-typed message). */
  sendRaw(body: string): Promise<void>;
  /** Bodies of every message still on the queue: ready, delayed or in flight. */
  live(): Promise<string[]>;
  /** The dead letters, with the reason where one was given and the queue keeps it. */
  deadLetters(): Promise<{ body: string; reason?: string }[]>;
}

/** Opened once per suite (a database, a client); hands each test a fresh, empty queue. */
export interface JobQueueAdapter {
  newQueue(): Promise<JobQueueHarness>;
  close(): Promise<void>;
}

const job = (label: string): JobMessage => ({ jobId: unique(`job_${label}`), videoId: unique("vid"), tenantId: "t1" });
const parsed = (messages: ReceivedMessage[]) => messages.map((m) => JSON.parse(m.body) as unknown);

export function describeJobQueueContract(name: string, makeAdapter: () => Promise<JobQueueAdapter>): void {
  describe(`JobQueue contract: ${name}`, () => {
    let adapter: JobQueueAdapter;
    beforeAll(async () => {
      adapter = await makeAdapter();
    });
    afterAll(async () => adapter?.close());
    const open = () => adapter.newQueue();
    /** Receives until `count` messages arrived or 5 seconds passed. */
    async function receiveSoon(queue: JobQueue, count = 1): Promise<ReceivedMessage[]> {
      const deadline = Date.now() + 5000;
      const got: ReceivedMessage[] = [];
      for (;;) {
        got.push(...(await queue.receive({ max: 10, visibilityTimeoutSec: 60 })));
        if (got.length >= count || Date.now() > deadline) return got;
        await sleep(100);
      }
    }

    /** Receives `message` and moves it to the dead letters with `reason`. */
    async function kill(queue: JobQueue, message: JobMessage, reason: string): Promise<void> {
      await queue.send(message);
      const [received] = await receiveSoon(queue);
      expect(JSON.parse(received!.body)).toEqual(message);
      await queue.deadLetter(received!.receiptHandle, reason);
    }

    it("lists dead letters with body, reason and time, at most max; looking leaves them where they are", async () => {
      const harness = await open();
      const { queue } = harness;
      expect(await queue.deadLetters({ max: 10 })).toEqual([]);
      const [a, b] = [job("a"), job("b")];
      const before = Date.now() - 1000;
      await kill(queue, a, "Gave up: a");
      await kill(queue, b, "Gave up: b");
      for (let look = 0; look < 2; look++) {
        const letters = await queue.deadLetters({ max: 10 });
        expect(letters.map((letter) => [JSON.parse(letter.body), letter.reason])).toEqual(expect.arrayContaining([[a, "Gave up: a"], [b, "Gave up: b"]]));
        expect(letters).toHaveLength(2);
        for (const letter of letters) {
          expect(letter.id).not.toBe("");
          expect(letter.failedAt!.getTime()).toBeGreaterThan(before);
          expect(letter.failedAt!.getTime()).toBeLessThan(Date.now() + 1000);
        }
      }
      expect(await queue.deadLetters({ max: 1 })).toHaveLength(1);
      expect(await harness.deadLetters()).toHaveLength(2);
      expect(await queue.receive({ max: 10, visibilityTimeoutSec: 60 })).toEqual([]);
    });

    it("redrives one dead letter: delivered again at once, marked redriven, counted afresh; the others stay; a second redrive answers false", async () => {
      const harness = await open();
      const { queue } = harness;
      const [a, b] = [job("a"), job("b")];
      await kill(queue, a, "Gave up: a");
      await kill(queue, b, "Gave up: b");
      const letters = await queue.deadLetters({ max: 10 });
      const letterOfA = letters.find((letter) => (JSON.parse(letter.body) as JobMessage).jobId === a.jobId)!;
      expect(await queue.redrive(letterOfA.id)).toBe(true);
      expect(await queue.redrive(letterOfA.id)).toBe(false);
      expect(await queue.redrive("no-such-dead-letter")).toBe(false);
      const [again, ...more] = await receiveSoon(queue);
      expect(more).toEqual([]);
      expect(JSON.parse(again!.body)).toEqual(a);
      expect(again!.redriven).toBe(true);
      expect(again!.receiveCount).toBe(1);
      expect((await queue.deadLetters({ max: 10 })).map((letter) => JSON.parse(letter.body) as unknown)).toEqual([b]);
      await queue.delete(again!.receiptHandle);
      expect(await harness.live()).toEqual([]);
    });

    it("redrives a message that died of too many deliveries, with a reason that says so", async () => {
      const { queue, maxReceiveCount } = await open();
      const message = job("crashy");
      await queue.send(message);
      for (let i = 1; i <= maxReceiveCount; i++) {
        const [received] = await receiveSoon(queue);
        await queue.changeVisibility(received!.receiptHandle, 0);
      }
      expect(await queue.receive({ max: 10, visibilityTimeoutSec: 60 })).toEqual([]);
      const [letter, ...others] = await queue.deadLetters({ max: 10 });
      expect(others).toEqual([]);
      expect(JSON.parse(letter!.body)).toEqual(message);
      expect(letter!.reason).toMatch(/receive|deliver/i);
      expect(await queue.redrive(letter!.id)).toBe(true);
      const [again] = await receiveSoon(queue);
      expect(JSON.parse(again!.body)).toEqual(message);
      expect(again!.redriven).toBe(true);
    });

    it("sends and receives: the body as sent, receive count 1, an id and a receipt handle; an empty queue answers at once", async () => {
      const { queue } = await open();
      const started = Date.now();
      expect(await queue.receive({ max: 10, visibilityTimeoutSec: 30 })).toEqual([]);
      expect(Date.now() - started).toBeLessThan(1000);
      const message = job("a");
      await queue.send(message);
      const [received, ...more] = await queue.receive({ max: 10, visibilityTimeoutSec: 30 });
      expect(more).toEqual([]);
      expect(JSON.parse(received!.body)).toEqual(message);
      expect(received!.receiveCount).toBe(1);
      expect(received!.id).not.toBe("");
      expect(received!.receiptHandle).not.toBe("");
      expect(received!.redriven).toBe(false);
    });

    it("hides a received message for its visibility timeout, then delivers it again with a new handle and a higher count", async () => {
      const { queue } = await open();
      const [a, b] = [job("a"), job("b")];
      await queue.send(a);
      await queue.send(b);
      const first = await queue.receive({ max: 10, visibilityTimeoutSec: 1 });
      expect(parsed(first)).toEqual(expect.arrayContaining([a, b]));
      const received = new Map(first.map((m) => [(JSON.parse(m.body) as JobMessage).jobId, m]));
      // A longer timeout set after receiving keeps b hidden past its first one.
      await queue.changeVisibility(received.get(b.jobId)!.receiptHandle, 60);
      expect(await queue.receive({ max: 10, visibilityTimeoutSec: 1 })).toEqual([]);
      const hiddenSince = Date.now();
      const again = await receiveSoon(queue);
      expect(Date.now() - hiddenSince).toBeGreaterThan(500);
      expect(parsed(again)).toEqual([a]);
      expect(again[0]!.id).toBe(received.get(a.jobId)!.id);
      expect(again[0]!.receiveCount).toBe(2);
      expect(again[0]!.receiptHandle).not.toBe(received.get(a.jobId)!.receiptHandle);
    });

    it("delivers at once what changeVisibility sets to 0, counting the delivery", async () => {
      const { queue } = await open();
      await queue.send(job("a"));
      const [first] = await queue.receive({ max: 1, visibilityTimeoutSec: 60 });
      await queue.changeVisibility(first!.receiptHandle, 0);
      const [again] = await queue.receive({ max: 1, visibilityTimeoutSec: 60 });
      expect(again?.id).toBe(first!.id);
      expect(again?.receiveCount).toBe(2);
    });

    it("delivers at once a message handed back, without counting it twice", async () => {
      const { queue } = await open();
      await queue.send(job("a"));
      const [first] = await queue.receive({ max: 1, visibilityTimeoutSec: 60 });
      await queue.handBack(first!.receiptHandle);
      const [again] = await queue.receive({ max: 1, visibilityTimeoutSec: 60 });
      expect(again?.id).toBe(first!.id);
      expect(again?.receiveCount).toBeLessThanOrEqual(2);
    });

    it("holds back a delayed message for its delay, then delivers it", async () => {
      const { queue } = await open();
      const message = job("late");
      await queue.send(message, { delaySec: 1 });
      const sent = Date.now();
      expect(await queue.receive({ max: 10, visibilityTimeoutSec: 30 })).toEqual([]);
      const got = await receiveSoon(queue);
      expect(Date.now() - sent).toBeGreaterThan(500);
      expect(parsed(got)).toEqual([message]);
    });

    it("receives at most max at a time, and delivers every message once while none times out", async () => {
      const { queue } = await open();
      const sent = Array.from({ length: 5 }, (_, i) => job(String(i)));
      for (const message of sent) await queue.send(message);
      const got: ReceivedMessage[] = [];
      for (let round = 0; round < 10; round++) {
        const batch = await queue.receive({ max: 2, visibilityTimeoutSec: 60 });
        expect(batch.length).toBeLessThanOrEqual(2);
        got.push(...batch);
        if (got.length >= sent.length && batch.length === 0) break;
      }
      expect(new Set(got.map((m) => m.id)).size).toBe(got.length);
      expect(parsed(got)).toHaveLength(sent.length);
      expect(parsed(got)).toEqual(expect.arrayContaining(sent));
    });

    it("forgets a deleted message for good; deleting it again is no error", async () => {
      const harness = await open();
      const { queue } = harness;
      const [kept, done] = [job("kept"), job("done")];
      await queue.send(kept);
      await queue.send(done);
      const received = await queue.receive({ max: 10, visibilityTimeoutSec: 60 });
      const handle = received.find((m) => (JSON.parse(m.body) as JobMessage).jobId === done.jobId)!.receiptHandle;
      await queue.delete(handle);
      await queue.delete(handle);
      expect((await harness.live()).map((body) => JSON.parse(body) as unknown)).toEqual([kept]);
      expect(await harness.deadLetters()).toEqual([]);
    });

    it("moves a message to the dead letters on demand, with its body and reason; it never comes back", async () => {
      const harness = await open();
      const { queue } = harness;
      const message = job("doomed");
      await queue.send(message);
      const [received] = await queue.receive({ max: 1, visibilityTimeoutSec: 60 });
      await queue.deadLetter(received!.receiptHandle, "Gave up after 3 attempts; last error: boom");
      await queue.delete(received!.receiptHandle);
      expect(await harness.live()).toEqual([]);
      const dead = await harness.deadLetters();
      expect(dead.map((d) => JSON.parse(d.body) as unknown)).toEqual([message]);
      expect(dead[0]!.reason).toBe("Gave up after 3 attempts; last error: boom");
    });

    it("sends a message received maxReceiveCount times and never deleted to the dead letters, not out again", async () => {
      const harness = await open();
      const { queue } = harness;
      const message = job("crashy");
      await queue.send(message);
      for (let i = 1; i <= harness.maxReceiveCount; i++) {
        const [received] = await queue.receive({ max: 1, visibilityTimeoutSec: 60 });
        expect(received?.receiveCount).toBe(i);
        await queue.changeVisibility(received!.receiptHandle, 0);
      }
      expect(await queue.receive({ max: 10, visibilityTimeoutSec: 60 })).toEqual([]);
      expect(await harness.live()).toEqual([]);
      expect((await harness.deadLetters()).map((d) => JSON.parse(d.body) as unknown)).toEqual([message]);
    });

    it("carries a body that is no job message as it is (the consumer judges it), and dead-letters it whole", async () => {
      const harness = await open();
      const { queue } = harness;
      const bodies = ["not json {", JSON.stringify({ jobId: "", extra: true })];
      for (const body of bodies) await harness.sendRaw(body);
      const received = await receiveSoon(queue, bodies.length);
      expect(received.map((m) => m.body).sort()).toEqual([...bodies].sort());
      for (const m of received) await queue.deadLetter(m.receiptHandle, "malformed message");
      expect((await harness.deadLetters()).map((d) => d.body).sort()).toEqual([...bodies].sort());
      expect(await harness.live()).toEqual([]);
    });
  });
}
