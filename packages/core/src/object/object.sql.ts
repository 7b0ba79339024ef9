import { boolean, doublePrecision, index, integer, pgTable, primaryKey, real, text } from "drizzle-orm/pg-core";
import { tenantId, timestamps } from "../db/columns.js";
import { videoTable } from "../video/video.sql.js";

/** An object a detector found in a sampled frame; `k` orders the objects of one frame. */
export const objectTable = pgTable(
  "object",
  {
    videoId: text("video_id")
      .notNull()
      .references(() => videoTable.id, { onDelete: "cascade" }),
    frameNo: integer("frame_no").notNull(),
    k: integer("k").notNull(),
    tenantId: tenantId(),
    timeSec: doublePrecision("time_sec").notNull(),
    endSec: doublePrecision("end_sec").notNull(),
    label: text("label").notNull(),
    score: real("score").notNull(),
    /** Box normalised to the frame (0-1), x/y = top-left corner. */
    boxX: real("box_x").notNull(),
    boxY: real("box_y").notNull(),
    boxW: real("box_w").notNull(),
    boxH: real("box_h").notNull(),
    cropKey: text("crop_key").notNull(),
    /** The track this detection belongs to: `<videoId>#t<frameNo>.<k>` of the track's first detection. */
    trackId: text("track_id").notNull(),
    /**
     * Whether this detection's crop has a vector of its own. A track's crops are embedded sparsely
     * (object/embed-plan.ts); one without stands for its track through the nearest one with.
     */
    embedded: boolean("embedded").notNull().default(true),
    createdAt: timestamps.createdAt,
  },
  (table) => [
    primaryKey({ columns: [table.videoId, table.frameNo, table.k] }),
    index("object_tenant_label_idx").on(table.tenantId, table.label),
    index("object_tenant_created_idx").on(table.tenantId, table.createdAt),
    index("object_video_track_idx").on(table.videoId, table.trackId),
  ],
);

export type ObjectRow = typeof objectTable.$inferSelect;
