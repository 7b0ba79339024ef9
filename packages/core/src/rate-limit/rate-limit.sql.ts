import { doublePrecision, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { tenantId } from "../db/columns.js";

/** One token bucket per tenant and kind of request: tokens left, as of `refilledAt`. */
export const rateLimitTable = pgTable(
  "rate_limit",
  {
    tenantId: tenantId(),
    bucket: text("bucket").notNull(),
    tokens: doublePrecision("tokens").notNull(),
    refilledAt: timestamp("refilled_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.tenantId, table.bucket] })],
);
