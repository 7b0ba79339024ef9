import { integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { timestamps } from "../db/columns.js";

/**
 * Every model the library has indexed with: its identity key (embedder/identity.ts), a readable
 * name, how to load it again (the configured hub id or folder, revision and dtypes), and its vectors'
 * length. A vector set is found by key and dimension; a model is loaded by source.
 */
export const modelTable = pgTable("model", {
  key: text("key").primaryKey(),
  name: text("name").notNull(),
  /** What VOS_CLIP_MODEL named when it was first used: a hub id or a folder. */
  source: text("source").notNull(),
  /** The hub revision; null for a folder. */
  revision: text("revision"),
  /** The ONNX files' precision of each half (fp32, fp16, q8): part of what the model is. */
  textDtype: text("text_dtype").notNull(),
  visionDtype: text("vision_dtype").notNull(),
  dimension: integer("dimension").notNull(),
  ...timestamps,
});

/**
 * A tenant's library: the model its searches and new videos use (`activeKey`) and, while a
 * re-index runs, the model its videos are being moved to (`targetKey`, with the run's id). The
 * switch from one to the other is one update of this row.
 */
export const libraryTable = pgTable("library", {
  tenantId: text("tenant_id").primaryKey(),
  activeKey: text("active_key")
    .notNull()
    .references(() => modelTable.key),
  targetKey: text("target_key").references(() => modelTable.key),
  /** The re-index run: the run id its jobs share; null when none runs. */
  reindexRunId: text("reindex_run_id"),
  reindexStartedAt: timestamp("reindex_started_at", { withTimezone: true, mode: "date" }),
  ...timestamps,
});

export type ModelRow = typeof modelTable.$inferSelect;
export type LibraryRow = typeof libraryTable.$inferSelect;
