/**
 * Per-tenant token buckets in the database, on every database the runtimes use. Each take says
 * what time it is, so the refill is exact however slowly the machine runs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../src/db/index.js";
import { RateLimited, take, type RateLimits } from "../src/rate-limit/index.js";
import { databaseTargets } from "./support/databases.js";

const limits = (searchPerMinute: number, uploadsPerMinute = 0): RateLimits => ({ searchPerMinute, uploadsPerMinute });

const T0 = Date.parse("2026-11-28T12:00:00Z");
const at = (seconds: number) => new Date(T0 + seconds * 1000);

/** How many of `n` takes at once pass (at `seconds` after T0), and the refusals. */
async function takeMany(handle: DatabaseHandle, tenant: string, n: number, l: RateLimits, bucket: "search" | "upload" = "search", seconds = 0) {
  const results = await Promise.allSettled(Array.from({ length: n }, () => take(handle.db, tenant, bucket, l, at(seconds))));
  const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  for (const reason of refused) expect(reason).toBeInstanceOf(RateLimited);
  return { passed: n - refused.length, refused: refused as RateLimited[] };
}

describe.each(databaseTargets())("rate limits on $name", (target) => {
  let handle: DatabaseHandle;
  let n = 0;
  const tenant = () => `rate-${target.name.length}-${++n}`;

  beforeAll(async () => {
    handle = await target.open();
  });
  afterAll(async () => handle.close());

  it("lets a burst up to the limit through, then refuses with the wait until the next token", async () => {
    const t = tenant();
    expect((await takeMany(handle, t, 6, limits(6))).passed).toBe(6);
    const error = await take(handle.db, t, "search", limits(6), at(4)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimited);
    expect(error).toMatchObject({ code: "rate.limited", status: 429, permanent: false });
    // 6 a minute refill one token every 10 s: 4 s after the burst, the next one is 6 s away.
    expect((error as RateLimited).retryAfterSec).toBe(6);
    expect((error as RateLimited).message).toBe("Too many searches: at most 6 a minute. Try again in 6 s.");
    await expect(take(handle.db, t, "search", limits(6), at(10))).resolves.toBeUndefined();
  });

  it("decides atomically: of many requests at once exactly the limit pass", async () => {
    const { passed, refused } = await takeMany(handle, tenant(), 25, limits(10));
    expect(passed).toBe(10);
    expect(refused).toHaveLength(15);
  });

  it("refills with time, never above the limit", async () => {
    const t = tenant();
    await takeMany(handle, t, 4, limits(4));
    // Half a minute later 2 of the 4 tokens are back.
    expect((await takeMany(handle, t, 3, limits(4), "search", 30)).passed).toBe(2);
    // An hour idle still allows only one burst of 4.
    expect((await takeMany(handle, t, 6, limits(4), "search", 3630)).passed).toBe(4);
    // A caller whose clock is behind the last refill gets nothing back, and takes nothing away.
    expect((await takeMany(handle, t, 1, limits(4), "search", 3600)).passed).toBe(0);
    expect((await takeMany(handle, t, 1, limits(4), "search", 3645)).passed).toBe(1);
  });

  it("keeps tenants and kinds of request apart, and 0 turns a limit off", async () => {
    const a = tenant();
    const b = tenant();
    await takeMany(handle, a, 3, limits(3, 2));
    await expect(take(handle.db, a, "search", limits(3, 2), at(0))).rejects.toBeInstanceOf(RateLimited);
    expect((await takeMany(handle, b, 3, limits(3, 2))).passed).toBe(3); // another tenant's bucket
    expect((await takeMany(handle, a, 3, limits(3, 2), "upload")).passed).toBe(2); // another kind
    const error = await take(handle.db, a, "upload", limits(3, 2), at(0)).catch((e: unknown) => e);
    expect((error as RateLimited).message).toMatch(/^Too many new uploads: at most 2 a minute/);
    expect((await takeMany(handle, a, 50, limits(0, 0))).passed).toBe(50);
    await expect(take(handle.db, a, "search", undefined)).resolves.toBeUndefined();
  });
});
