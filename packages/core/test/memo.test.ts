/** A shared async resource: made once for every caller, made again after a failure. */
import { describe, expect, it, vi } from "vitest";
import { memoise, memoiseByKey } from "../src/util/memo.js";

describe("memoise", () => {
  it("makes the resource once for callers at the same time and later", async () => {
    let made = 0;
    const get = memoise(async () => ++made);
    expect(await Promise.all([get(), get(), get()])).toEqual([1, 1, 1]);
    expect(await get()).toBe(1);
  });

  it("hands a failure to the callers that were waiting, then tries again", async () => {
    let calls = 0;
    const get = memoise(async () => {
      calls++;
      if (calls === 1) throw new Error("not up yet");
      return "ready";
    });
    await expect(Promise.all([get(), get()])).rejects.toThrow("not up yet");
    expect(await get()).toBe("ready");
    expect(await get()).toBe("ready");
    expect(calls).toBe(2);
  });

  it("with keepFailureMs, answers with the failure for that long, then tries again", async () => {
    let calls = 0;
    const get = memoise(
      async () => {
        calls++;
        if (calls === 1) throw new Error("no files");
        return "loaded";
      },
      { keepFailureMs: 30_000 },
    );
    const start = Date.now();
    const clock = vi.spyOn(Date, "now").mockReturnValue(start);
    try {
      await expect(get()).rejects.toThrow("no files");
      clock.mockReturnValue(start + 29_999);
      await expect(get()).rejects.toThrow("no files");
      expect(calls).toBe(1);
      clock.mockReturnValue(start + 30_000);
      expect(await get()).toBe("loaded");
      clock.mockReturnValue(start + 90_000);
      expect(await get()).toBe("loaded"); // a success is kept for good
      expect(calls).toBe(2);
    } finally {
      clock.mockRestore();
    }
  });

  it("makes the resource again at once for a call that asks, while the failure is kept for the others", async () => {
    let calls = 0;
    const get = memoise(
      async () => {
        calls++;
        if (calls <= 2) throw new Error(`no files (${calls})`);
        return "loaded";
      },
      { keepFailureMs: 30_000 },
    );
    await expect(get()).rejects.toThrow("no files (1)");
    await expect(get()).rejects.toThrow("no files (1)");
    await expect(get({ retryFailure: true })).rejects.toThrow("no files (2)");
    await expect(get()).rejects.toThrow("no files (2)");
    expect(await get({ retryFailure: true })).toBe("loaded");
    expect(await get({ retryFailure: true })).toBe("loaded"); // a success is not made again
    expect(calls).toBe(3);
  });

  it("keeps one resource per key", async () => {
    const made: string[] = [];
    const get = memoiseByKey(async (key: { model: string; dtype: string }) => {
      made.push(`${key.model}/${key.dtype}`);
      return made.length;
    }, (key) => `${key.model}/${key.dtype}`);
    expect(await get({ model: "a", dtype: "q8" })).toBe(1);
    expect(await get({ model: "a", dtype: "q8" })).toBe(1);
    expect(await get({ model: "a", dtype: "fp32" })).toBe(2);
    expect(made).toEqual(["a/q8", "a/fp32"]);
  });
});
