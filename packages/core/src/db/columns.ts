import { text, timestamp } from "drizzle-orm/pg-core";

/** Columns every tenant-scoped table shares. */
export const tenantId = () => text("tenant_id").notNull();

export const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
};
