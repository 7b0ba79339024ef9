/**
 * The fleet at a glance, for one tenant: jobs by state, the workers running now with their
 * segment, frames and objects committed per second over the last minutes, each unfinished video's
 * progress and time left, the latest failures with their reasons, and the dead letters.
 */
import { and, count, desc, eq, gt, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../db/database.js";
import type { Services } from "../services.js";
import { frameTable } from "../frame/frame.sql.js";
import { objectTable } from "../object/object.sql.js";
import { videoTable } from "../video/video.sql.js";
import { deadLetters, deadLetterSchema } from "./dead-letters.js";
import { jobTable, STAGES } from "./job.sql.js";
import { latestRuns, runTiming, summariseRun } from "./runs.js";

/** Frames per second are counted over this window. */
export const THROUGHPUT_WINDOW_SEC = 300;
const FAILURES_SHOWN = 10;
const VIDEOS_SHOWN = 50;

const segmentCounts = z.object({ total: z.number().int(), succeeded: z.number().int(), running: z.number().int(), queued: z.number().int(), failed: z.number().int() });

export const activitySchema = z.object({
  generatedAt: z.string(),
  jobs: z
    .object({ queued: z.number().int(), running: z.number().int(), failedLastDay: z.number().int(), succeededLastHour: z.number().int() })
    .describe("jobs (one per segment of a long video) by state"),
  workers: z
    .array(
      z.object({
        jobId: z.string(),
        taskId: z.string().nullable().describe("the worker-pool slot or ECS task running it"),
        videoId: z.string(),
        videoTitle: z.string(),
        segment: z.number().int().describe("0-based"),
        segments: z.number().int(),
        stage: z.enum([...STAGES, "done"]),
        framesIndexed: z.number().int(),
        attempt: z.number().int(),
        since: z.string().describe("when it last reported"),
      }),
    )
    .describe("what runs now"),
  throughput: z.object({
    windowSec: z.number().int(),
    frames: z.number().int(),
    objects: z.number().int(),
    framesPerSec: z.number(),
    objectsPerSec: z.number(),
  }),
  videos: z
    .array(
      z.object({
        id: z.string(),
        title: z.string(),
        status: z.enum(["queued", "processing"]),
        segments: segmentCounts,
        done: z.number().min(0).max(1).describe("share of the video indexed"),
        elapsedSec: z.number(),
        etaSec: z.number().nullable().describe("time left at the pace so far; null until there is a pace"),
      }),
    )
    .describe("videos queued or processing, oldest first"),
  failures: z
    .array(
      z.object({
        jobId: z.string(),
        videoId: z.string(),
        videoTitle: z.string(),
        segment: z.number().int(),
        code: z.string().nullable(),
        message: z.string().nullable(),
        at: z.string(),
      }),
    )
    .describe("the latest failed jobs of the last day, newest first"),
  deadLetters: z.array(deadLetterSchema).describe("jobs that gave up and wait on the dead letters for a redrive, oldest first"),
});
export type Activity = z.infer<typeof activitySchema>;

export async function activity(svc: Pick<Services, "db" | "queue">, tenantId: string, now = new Date()): Promise<Activity> {
  const { db } = svc;
  const ago = (sec: number) => new Date(now.getTime() - sec * 1000);
  const windowStart = ago(THROUGHPUT_WINDOW_SEC);
  const [states] = await db
    .select({
      queued: sql<number>`count(*) FILTER (WHERE ${jobTable.status} = 'queued')::int`,
      running: sql<number>`count(*) FILTER (WHERE ${jobTable.status} = 'running')::int`,
      // Times in raw SQL go as text: postgres.js does not take a Date there (PGlite does).
      failedLastDay: sql<number>`count(*) FILTER (WHERE ${jobTable.status} = 'failed' AND ${jobTable.finishedAt} > ${ago(86_400).toISOString()}::timestamptz)::int`,
      succeededLastHour: sql<number>`count(*) FILTER (WHERE ${jobTable.status} = 'succeeded' AND ${jobTable.finishedAt} > ${ago(3600).toISOString()}::timestamptz)::int`,
    })
    .from(jobTable)
    .where(eq(jobTable.tenantId, tenantId));
  const running = await db
    .select({ job: jobTable, title: videoTable.title, segments: videoTable.segments })
    .from(jobTable)
    .innerJoin(videoTable, eq(videoTable.id, jobTable.videoId))
    .where(and(eq(jobTable.tenantId, tenantId), eq(jobTable.status, "running")))
    .orderBy(jobTable.createdAt, jobTable.segment);
  const [frames] = await db.select({ n: count() }).from(frameTable).where(and(eq(frameTable.tenantId, tenantId), gt(frameTable.createdAt, windowStart)));
  const [objects] = await db.select({ n: count() }).from(objectTable).where(and(eq(objectTable.tenantId, tenantId), gt(objectTable.createdAt, windowStart)));
  const failed = await db
    .select({ job: jobTable, title: videoTable.title })
    .from(jobTable)
    .innerJoin(videoTable, eq(videoTable.id, jobTable.videoId))
    .where(and(eq(jobTable.tenantId, tenantId), eq(jobTable.status, "failed"), gt(jobTable.finishedAt, ago(86_400))))
    .orderBy(desc(jobTable.finishedAt))
    .limit(FAILURES_SHOWN);

  return {
    generatedAt: now.toISOString(),
    jobs: states ?? { queued: 0, running: 0, failedLastDay: 0, succeededLastHour: 0 },
    workers: running.map(({ job, title, segments }) => ({
      jobId: job.id,
      taskId: job.taskId,
      videoId: job.videoId,
      videoTitle: title,
      segment: job.segment,
      segments,
      stage: job.progress.stage,
      framesIndexed: job.progress.frames.indexed,
      attempt: job.attempts,
      since: job.updatedAt.toISOString(),
    })),
    throughput: {
      windowSec: THROUGHPUT_WINDOW_SEC,
      frames: frames?.n ?? 0,
      objects: objects?.n ?? 0,
      framesPerSec: (frames?.n ?? 0) / THROUGHPUT_WINDOW_SEC,
      objectsPerSec: (objects?.n ?? 0) / THROUGHPUT_WINDOW_SEC,
    },
    videos: await unfinishedVideos(db, tenantId, now),
    failures: failed.map(({ job, title }) => ({
      jobId: job.id,
      videoId: job.videoId,
      videoTitle: title,
      segment: job.segment,
      code: job.errorCode,
      // The row keeps "<code>: <message>"; the view has the code on its own.
      message: job.errorCode && job.lastError?.startsWith(`${job.errorCode}: `) ? job.lastError.slice(job.errorCode.length + 2) : job.lastError,
      at: (job.finishedAt ?? job.updatedAt).toISOString(),
    })),
    deadLetters: await deadLetters(svc, tenantId),
  };
}

/** Videos queued or processing with their runs summed: how much is indexed, and the time left at the pace so far. */
async function unfinishedVideos(db: Database, tenantId: string, now: Date): Promise<Activity["videos"]> {
  const videos = await db
    .select({ id: videoTable.id, title: videoTable.title, status: videoTable.status })
    .from(videoTable)
    .where(and(eq(videoTable.tenantId, tenantId), inArray(videoTable.status, ["queued", "processing"])))
    .orderBy(videoTable.createdAt)
    .limit(VIDEOS_SHOWN);
  if (videos.length === 0) return [];
  const runs = await latestRuns(db, videos.map((video) => video.id));
  return videos.map((video) => {
    const run = runs.get(video.id) ?? [];
    const summary = run.length > 0 ? summariseRun(run) : undefined;
    const done = summary?.progress.stages.index ?? 0;
    const startedAt = run[0]?.createdAt ?? now;
    const elapsedSec = Math.max(0, (now.getTime() - startedAt.getTime()) / 1000);
    return {
      id: video.id,
      title: video.title,
      status: video.status as "queued" | "processing",
      segments: summary?.segments ?? { total: 0, succeeded: 0, running: 0, queued: 0, failed: 0 },
      done,
      elapsedSec,
      // The library's estimate (runs.ts): from the run's own start, over every stage.
      etaSec: summary ? runTiming(summary, now).etaSec : null,
    };
  });
}
