import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../src/db/index.js";
import { createDbJobQueue } from "../src/queue/index.js";
import { databaseTargets } from "./support/databases.js";

const message = (n: number) => ({ jobId: `job_${n}`, videoId: `vid_${n}`, tenantId: "t1" });

describe.each(databaseTargets())("database job queue on $name", (target) => {
  let handle: DatabaseHandle;
  let clock = new Date("2026-01-01T00:00:00Z");
  const advance = (sec: number) => (clock = new Date(clock.getTime() + sec * 1000));
  let queueName = 0;
  const newQueue = () => createDbJobQueue(handle.sql, { queue: `q${++queueName}`, maxReceiveCount: 3, now: () => clock });

  beforeAll(async () => {
    handle = await target.open();
  });
  afterAll(async () => handle.close());
  beforeEach(() => {
    clock = new Date("2026-01-01T00:00:00Z");
  });

  it("hides a received message until its visibility timeout expires, then delivers it again", async () => {
    const queue = await newQueue();
    await queue.send(message(1));
    const [first] = await queue.receive({ max: 10, visibilityTimeoutSec: 30 });
    expect(first?.receiveCount).toBe(1);
    expect(JSON.parse(first!.body)).toEqual(message(1));
    expect(await queue.receive({ max: 10, visibilityTimeoutSec: 30 })).toEqual([]);
    advance(29);
    expect(await queue.receive({ max: 10, visibilityTimeoutSec: 30 })).toEqual([]);
    advance(2);
    const [again] = await queue.receive({ max: 10, visibilityTimeoutSec: 30 });
    expect(again?.id).toBe(first!.id);
    expect(again?.receiveCount).toBe(2);
    expect(again?.receiptHandle).not.toBe(first!.receiptHandle);
  });

  it("deletes by receipt handle, and a stale handle deletes nothing", async () => {
    const queue = await newQueue();
    await queue.send(message(2));
    const [first] = await queue.receive({ max: 1, visibilityTimeoutSec: 5 });
    advance(6);
    const [second] = await queue.receive({ max: 1, visibilityTimeoutSec: 5 });
    await queue.delete(first!.receiptHandle);
    expect((await queue.stats()).inFlight).toBe(1);
    await queue.delete(second!.receiptHandle);
    expect(await queue.stats()).toEqual({ ready: 0, inFlight: 0, dead: 0 });
  });

  it("moves a message to the dead state after maxReceiveCount receives", async () => {
    const queue = await newQueue();
    await queue.send(message(3));
    for (let i = 1; i <= 3; i++) {
      const [received] = await queue.receive({ max: 1, visibilityTimeoutSec: 10 });
      expect(received?.receiveCount).toBe(i);
      advance(11);
    }
    expect(await queue.receive({ max: 1, visibilityTimeoutSec: 10 })).toEqual([]);
    expect(await queue.stats()).toEqual({ ready: 0, inFlight: 0, dead: 1 });
  });

  it("retries later with changeVisibility, and dead-letters on demand", async () => {
    const queue = await newQueue();
    await queue.send(message(4));
    const [received] = await queue.receive({ max: 1, visibilityTimeoutSec: 60 });
    await queue.changeVisibility(received!.receiptHandle, 5);
    advance(6);
    const [retried] = await queue.receive({ max: 1, visibilityTimeoutSec: 60 });
    expect(retried?.receiveCount).toBe(2);
    await queue.deadLetter(retried!.receiptHandle, "gave up");
    advance(120);
    expect(await queue.receive({ max: 1, visibilityTimeoutSec: 60 })).toEqual([]);
    expect((await queue.stats()).dead).toBe(1);
  });

  it("delays delivery, delivers in order, and respects max", async () => {
    const queue = await newQueue();
    await queue.send(message(5), { delaySec: 10 });
    await queue.send(message(6));
    advance(1);
    await queue.send(message(7));
    const batch = await queue.receive({ max: 1, visibilityTimeoutSec: 30 });
    expect(batch.map((m) => JSON.parse(m.body).jobId)).toEqual(["job_6"]);
    expect((await queue.receive({ max: 5, visibilityTimeoutSec: 30 })).map((m) => JSON.parse(m.body).jobId)).toEqual(["job_7"]);
    advance(10);
    expect((await queue.receive({ max: 5, visibilityTimeoutSec: 30 })).map((m) => JSON.parse(m.body).jobId)).toEqual(["job_5"]);
  });

  it("survives a restart: releaseAll hands in-flight messages back at once", async () => {
    const queue = await newQueue();
    await queue.send(message(8));
    await queue.receive({ max: 1, visibilityTimeoutSec: 600 });
    // A new process (same table) finds the message in flight and, holding the lock, frees it.
    const restarted = await createDbJobQueue(handle.sql, { queue: `q${queueName}`, maxReceiveCount: 3, now: () => clock });
    expect(await restarted.releaseAll()).toBe(1);
    const [again] = await restarted.receive({ max: 1, visibilityTimeoutSec: 600 });
    expect(again?.receiveCount).toBe(2);
  });

  it("never hands one message to two concurrent receivers", async () => {
    const queue = await newQueue();
    for (let i = 0; i < 20; i++) await queue.send(message(100 + i));
    const batches = await Promise.all(Array.from({ length: 4 }, () => queue.receive({ max: 10, visibilityTimeoutSec: 30 })));
    const ids = batches.flat().map((m) => m.id);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
  });
});
