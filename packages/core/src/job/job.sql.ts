import { doublePrecision, index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { tenantId, timestamps } from "../db/columns.js";
import { videoTable } from "../video/video.sql.js";

export const JOB_STATUSES = ["queued", "running", "succeeded", "failed"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** ingest: a video made searchable; reindex: its vectors made again with the library's next model (library/). */
export const JOB_KINDS = ["ingest", "reindex"] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const STAGES = ["probe", "sample", "embed", "index"] as const;
export type Stage = (typeof STAGES)[number];

/** Per-stage progress as fractions 0-1 plus the frame counters a person wants to watch. */
export interface JobProgress {
  stage: Stage | "done";
  stages: Record<Stage, number>;
  frames: { sampled: number; embedded: number; indexed: number; objects: number };
  /**
   * A re-index job's totals: the video's frames and embedded objects it makes again, how many of
   * their images were smaller than the model's input (enlarged to it), and where the images came
   * from (the stored thumbnails and crops, or the video decoded again).
   */
  reindex?: { frames: number; objects: number; enlarged?: number; source?: "stored" | "video" };
}

export const jobTable = pgTable(
  "job",
  {
    id: text("id").primaryKey(),
    tenantId: tenantId(),
    videoId: text("video_id")
      .notNull()
      .references(() => videoTable.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: JOB_KINDS }).notNull(),
    /**
     * The run this job belongs to: the id of the job that started it (the one `complete` or
     * `retry` queued). A long video's run is split into segments, one job each (segments.ts).
     */
    runId: text("run_id").notNull(),
    /** 0 for the run's first job; segment i's frames are numbered from i * SEGMENT_FRAME_STRIDE. */
    segment: integer("segment").notNull().default(0),
    /** The part of the video this job samples: [startSec, endSec); null before the run is planned (the whole video). */
    startSec: doublePrecision("start_sec"),
    /** null: to the end of the video. */
    endSec: doublePrecision("end_sec"),
    status: text("status", { enum: JOB_STATUSES }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull(),
    progress: jsonb("progress").$type<JobProgress>().notNull(),
    /**
     * Ingest: frameNo of the last frame whose thumbnail, vector and row are all committed.
     * Re-index: how many items (frames, then objects) have their new vectors, less one. -1 = none.
     */
    checkpoint: integer("checkpoint").notNull().default(-1),
    taskId: text("task_id"),
    lastError: text("last_error"),
    /** The code of the failure that ended a failed job (job.gave_up, media.not_a_video...); else null. */
    errorCode: text("error_code"),
    /** When a task first claimed the job (its first attempt began); null while it has only waited. */
    startedAt: timestamp("started_at", { withTimezone: true, mode: "date" }),
    deadlineAt: timestamp("deadline_at", { withTimezone: true, mode: "date" }),
    finishedAt: timestamp("finished_at", { withTimezone: true, mode: "date" }),
    ...timestamps,
  },
  (table) => [index("job_video_idx").on(table.videoId), index("job_status_idx").on(table.status), index("job_run_idx").on(table.runId)],
);

export type JobRow = typeof jobTable.$inferSelect;
