import { index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { tenantId, timestamps } from "../db/columns.js";
import { videoTable } from "../video/video.sql.js";

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

/**
 * A video's vectors left in the set of the model it moved away from. The switch writes these rows
 * in its transaction and removes the vectors after it commits; a row still here (the vector store
 * failed, or the process ended first) is worked off later (stale-vectors.ts). `claimedAt` is set
 * while a removal runs, so a re-index back to that model waits for it rather than lose the
 * vectors it is writing.
 */
export const staleVectorsTable = pgTable(
  "stale_vectors",
  {
    videoId: text("video_id")
      .notNull()
      .references(() => videoTable.id, { onDelete: "cascade" }),
    tenantId: tenantId(),
    modelKey: text("model_key")
      .notNull()
      .references(() => modelTable.key),
    claimedAt: timestamp("claimed_at", { withTimezone: true, mode: "date" }),
    ...timestamps,
  },
  (table) => [primaryKey({ columns: [table.videoId, table.modelKey] }), index("stale_vectors_tenant_model_idx").on(table.tenantId, table.modelKey)],
);

export type ModelRow = typeof modelTable.$inferSelect;
export type LibraryRow = typeof libraryTable.$inferSelect;
export type StaleVectorsRow = typeof staleVectorsTable.$inferSelect;
