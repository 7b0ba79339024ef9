import { doublePrecision, index, integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { tenantId, timestamps } from "../db/columns.js";
import { videoTable } from "../video/video.sql.js";

export const frameTable = pgTable(
  "frame",
  {
    videoId: text("video_id")
      .notNull()
      .references(() => videoTable.id, { onDelete: "cascade" }),
    frameNo: integer("frame_no").notNull(),
    tenantId: tenantId(),
    timeSec: doublePrecision("time_sec").notNull(),
    /** The sampled frame stands for the span up to the next sampled frame. */
    endSec: doublePrecision("end_sec").notNull(),
    reason: text("reason", { enum: ["first", "interval", "scene"] }).notNull(),
    thumbnailKey: text("thumbnail_key").notNull(),
    createdAt: timestamps.createdAt,
  },
  // The second index counts a tenant's recent frames (the activity view's frames per second).
  (table) => [primaryKey({ columns: [table.videoId, table.frameNo] }), index("frame_tenant_created_idx").on(table.tenantId, table.createdAt)],
);

export type FrameRow = typeof frameTable.$inferSelect;
