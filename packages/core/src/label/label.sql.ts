import { index, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { tenantId, timestamps } from "../db/columns.js";
import { videoTable } from "../video/video.sql.js";

/**
 * A person's label on an object: positive ("this is my mug") or negative ("this is not"), set
 * directly (`explicit`) or carried to a near-duplicate (`propagated`).
 */
export const labelTable = pgTable(
  "object_label",
  {
    tenantId: tenantId(),
    /** The object's id, the same as its vector id: `<videoId>#o<frameNo>.<k>`. */
    objectId: text("object_id").notNull(),
    videoId: text("video_id")
      .notNull()
      .references(() => videoTable.id, { onDelete: "cascade" }),
    label: text("label").notNull(),
    polarity: text("polarity", { enum: ["positive", "negative"] }).notNull(),
    source: text("source", { enum: ["explicit", "propagated"] }).notNull(),
    ...timestamps,
  },
  (table) => [primaryKey({ columns: [table.tenantId, table.objectId, table.label] }), index("object_label_video_idx").on(table.videoId)],
);

export type LabelRow = typeof labelTable.$inferSelect;
