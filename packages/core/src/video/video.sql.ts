import { bigint, doublePrecision, index, integer, pgTable, text } from "drizzle-orm/pg-core";
import { tenantId, timestamps } from "../db/columns.js";

export const VIDEO_STATUSES = ["uploading", "queued", "processing", "ready", "failed", "deleting"] as const;
export type VideoStatus = (typeof VIDEO_STATUSES)[number];

export const videoTable = pgTable(
  "video",
  {
    id: text("id").primaryKey(),
    tenantId: tenantId(),
    title: text("title").notNull(),
    filename: text("filename").notNull(),
    contentType: text("content_type").notNull(),
    status: text("status", { enum: VIDEO_STATUSES }).notNull(),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
    blobKey: text("blob_key").notNull(),
    durationSec: doublePrecision("duration_sec"),
    width: integer("width"),
    height: integer("height"),
    fps: doublePrecision("fps"),
    codec: text("codec"),
    frameCount: integer("frame_count").notNull().default(0),
    objectCount: integer("object_count").notNull().default(0),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    ...timestamps,
  },
  (table) => [index("video_tenant_created_idx").on(table.tenantId, table.createdAt)],
);

export type VideoRow = typeof videoTable.$inferSelect;
