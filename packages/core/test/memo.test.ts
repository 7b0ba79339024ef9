/** A shared async resource: made once for every caller, made again after a failure. */
import { describe, expect, it } from "vitest";
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
