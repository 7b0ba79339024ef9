/** The semaphore that keeps picture decodes to a few at once: its bound, its order, its release on failure. */
import { describe, expect, it } from "vitest";
import { createSemaphore } from "../src/embedder/semaphore.js";

/** A task that runs until `finish()` is called, noting when it started. */
function gate(started: number[], id: number) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { task: async () => (started.push(id), await done, id), finish: () => finish() };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("createSemaphore", () => {
  it("runs at most `limit` tasks at once and starts the rest in arrival order as slots free", async () => {
    const slots = createSemaphore(2);
    const started: number[] = [];
    const gates = [0, 1, 2, 3, 4].map((id) => gate(started, id));
    const results = gates.map((g) => slots.run(g.task));
    await tick();
    expect(started).toEqual([0, 1]);
    expect([slots.active, slots.waiting]).toEqual([2, 3]);
    gates[1]!.finish();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    expect([slots.active, slots.waiting]).toEqual([2, 2]);
    gates[0]!.finish();
    gates[2]!.finish();
    await tick();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    gates[3]!.finish();
    gates[4]!.finish();
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3, 4]);
    expect([slots.active, slots.waiting]).toEqual([0, 0]);
  });

  it("gives a failed task's slot to the next one and passes the failure to its caller", async () => {
    const slots = createSemaphore(1);
    const failing = slots.run(async () => {
      throw new Error("decoder broke");
    });
    const next = slots.run(async () => "ran");
    await expect(failing).rejects.toThrow("decoder broke");
    expect(await next).toBe("ran");
    expect([slots.active, slots.waiting]).toEqual([0, 0]);
  });

  it("refuses a limit that is not a whole number above 0", () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) expect(() => createSemaphore(limit)).toThrow(RangeError);
  });
});
