import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../db/database.js";
import { VisibleError } from "../error.js";
import { rateLimitTable } from "./rate-limit.sql.js";

/** Requests per minute each tenant may make, by kind; 0 turns a limit off. */
export interface RateLimits {
  searchPerMinute: number;
  uploadsPerMinute: number;
}

export type Bucket = "search" | "upload";

const PER_MINUTE: Record<Bucket, keyof RateLimits> = { search: "searchPerMinute", upload: "uploadsPerMinute" };
const WHAT: Record<Bucket, string> = { search: "searches", upload: "new uploads" };

export class RateLimited extends VisibleError {
  constructor(
    bucket: Bucket,
    perMinute: number,
    /** Whole seconds until the next request of this kind is allowed. */
    readonly retryAfterSec: number,
  ) {
    super("rate.limited", `Too many ${WHAT[bucket]}: at most ${perMinute} a minute. Try again in ${retryAfterSec} s.`, 429, false);
  }
}

/**
 * Takes one request from the tenant's token bucket or throws `RateLimited`. The bucket holds up
 * to `perMinute` tokens and refills at `perMinute` a minute, so bursts up to the limit pass and a
 * steady rate above it does not. It lives in the database, so every API process (each Lambda
 * instance) draws on the same bucket; one upsert decides atomically under the row lock. Time is
 * the caller's clock (`now`); a clock behind the last refill adds nothing rather than taking
 * tokens away.
 */
export async function take(db: Database, tenantId: string, bucket: Bucket, limits: RateLimits | undefined, now = new Date()): Promise<void> {
  const perMinute = limits?.[PER_MINUTE[bucket]] ?? 0;
  if (perMinute <= 0) return;
  const perSecond = perMinute / 60;
  const at = sql`${now.toISOString()}::timestamptz`;
  const elapsed = sql`greatest(0, extract(epoch from (${at} - ${rateLimitTable.refilledAt})))`;
  const refilled = sql`least(${perMinute}::float8, ${rateLimitTable.tokens} + ${elapsed} * ${perSecond}::float8)`;
  const taken = await db
    .insert(rateLimitTable)
    .values({ tenantId, bucket, tokens: perMinute - 1, refilledAt: now })
    .onConflictDoUpdate({
      target: [rateLimitTable.tenantId, rateLimitTable.bucket],
      set: { tokens: sql`${refilled} - 1`, refilledAt: sql`greatest(${rateLimitTable.refilledAt}, ${at})` },
      setWhere: sql`${refilled} >= 1`,
    })
    .returning({ tokens: rateLimitTable.tokens });
  if (taken.length > 0) return;

  const [row] = await db
    .select({ tokens: sql<number>`${refilled}` })
    .from(rateLimitTable)
    .where(and(eq(rateLimitTable.tenantId, tenantId), eq(rateLimitTable.bucket, bucket)));
  const missing = 1 - Number(row?.tokens ?? 0);
  throw new RateLimited(bucket, perMinute, Math.max(1, Math.ceil(missing / perSecond)));
}

/**
 * Gives back the token `take` spent, for a request the server failed to serve (a 5xx): taking
 * first keeps a flood refused atomically, refunding after keeps failures free. Never above the
 * limit; a bucket that refilled in the meantime simply stays full.
 */
export async function refund(db: Database, tenantId: string, bucket: Bucket, limits: RateLimits | undefined): Promise<void> {
  const perMinute = limits?.[PER_MINUTE[bucket]] ?? 0;
  if (perMinute <= 0) return;
  await db
    .update(rateLimitTable)
    .set({ tokens: sql`least(${perMinute}::float8, ${rateLimitTable.tokens} + 1)` })
    .where(and(eq(rateLimitTable.tenantId, tenantId), eq(rateLimitTable.bucket, bucket)));
}
