import { doublePrecision, integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
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
  (table) => [primaryKey({ columns: [table.videoId, table.frameNo] })],
);

export type FrameRow = typeof frameTable.$inferSelect;
