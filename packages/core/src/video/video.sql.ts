import { bigint, doublePrecision, index, integer, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
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
    /** Segments of the current run (1: the video is processed as one job). */
    segments: integer("segments").notNull().default(1),
    frameCount: integer("frame_count").notNull().default(0),
    objectCount: integer("object_count").notNull().default(0),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    /**
     * The S3 ETag of a file put in the drop folder (drop.ts), whose key is `blobKey`; null for
     * uploads through the API. One video per (tenant, key, ETag), however often S3 reports it.
     */
    sourceEtag: text("source_etag"),
    /**
     * The model whose vector set holds this video's vectors (embedder/identity.ts): its key and
     * readable name, written when processing starts writing vectors; null before the first run.
     */
    modelKey: text("model_key"),
    modelName: text("model_name"),
    ...timestamps,
  },
  (table) => [
    index("video_tenant_created_idx").on(table.tenantId, table.createdAt),
    // Nulls are distinct: API uploads never collide here.
    uniqueIndex("video_drop_idx").on(table.tenantId, table.blobKey, table.sourceEtag),
  ],
);

export type VideoRow = typeof videoTable.$inferSelect;
