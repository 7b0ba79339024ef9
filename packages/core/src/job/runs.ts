import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../db/database.js";
import { jobTable, STAGES, type JobProgress, type JobRow, type JobStatus, type Stage } from "./job.sql.js";

/** How a run's segments stand: each segment is one job. */
export interface SegmentCounts {
  total: number;
  succeeded: number;
  running: number;
  queued: number;
  failed: number;
}

/** A run seen as one job: what the library shows for a video, however many segments it has. */
export interface RunSummary {
  /** The run's id (its first job's). */
  id: string;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
  progress: JobProgress;
  lastError: string | null;
  segments: SegmentCounts;
  /** When a task first began any of the run's jobs; null while the run has only waited. */
  startedAt: Date | null;
}

/**
 * How far a run is, 0-1, from its stages: probing is quick, sampling decodes the video, embedding
 * (detection and the model) takes most of the time, indexing writes vectors and rows. The shares
 * are rough on purpose; they only make a time left that is honest about being an estimate.
 */
const STAGE_SHARE: Record<Stage, number> = { probe: 0.05, sample: 0.25, embed: 0.55, index: 0.15 };
export const doneShare = (progress: JobProgress): number =>
  progress.stage === "done" ? 1 : STAGES.reduce((sum, stage) => sum + STAGE_SHARE[stage] * Math.min(1, Math.max(0, progress.stages[stage])), 0);

/** Below this share done, or this soon after the start, the rate says too little for a time left. */
const MIN_SHARE_FOR_ESTIMATE = 0.03;
const MIN_SEC_FOR_ESTIMATE = 3;

/**
 * A running run's time so far and, once the rate means something, its time left at that rate
 * (seconds, rounded); both null for a run that is not running.
 */
export function runTiming(run: Pick<RunSummary, "status" | "progress" | "startedAt">, now = new Date()): { elapsedSec: number | null; etaSec: number | null } {
  if (run.status !== "running" || !run.startedAt) return { elapsedSec: null, etaSec: null };
  const elapsedSec = Math.max(0, (now.getTime() - run.startedAt.getTime()) / 1000);
  const share = doneShare(run.progress);
  const etaSec = share >= MIN_SHARE_FOR_ESTIMATE && share < 1 && elapsedSec >= MIN_SEC_FOR_ESTIMATE ? Math.round((elapsedSec * (1 - share)) / share) : null;
  return { elapsedSec: Math.round(elapsedSec), etaSec };
}

const stageOrder = (stage: Stage | "done") => (stage === "done" ? STAGES.length : STAGES.indexOf(stage));

/**
 * Sums a run's jobs (given by segment, the first one first): frames add up, each stage's fraction
 * is the mean over the segments (which are of equal length but for the last), the stage is the
 * earliest one any unfinished segment is in, and the status is running while any segment runs,
 * queued while any waits, then failed if any failed.
 */
export function summariseRun(jobs: JobRow[]): RunSummary {
  const first = jobs[0];
  if (!first) throw new Error("a run has at least one job");
  const count = (status: JobStatus) => jobs.filter((job) => job.status === status).length;
  const segments: SegmentCounts = { total: jobs.length, succeeded: count("succeeded"), running: count("running"), queued: count("queued"), failed: count("failed") };
  const starts = jobs.flatMap((job) => (job.startedAt ? [job.startedAt.getTime()] : []));
  const startedAt = starts.length > 0 ? new Date(Math.min(...starts)) : null;
  if (jobs.length === 1) {
    return { id: first.runId, status: first.status, attempts: first.attempts, maxAttempts: first.maxAttempts, progress: first.progress, lastError: first.lastError, segments, startedAt };
  }
  const status: JobStatus = segments.running > 0 ? "running" : segments.queued > 0 ? "queued" : segments.failed > 0 ? "failed" : "succeeded";
  const unfinished = jobs.filter((job) => job.status !== "succeeded");
  const stage = unfinished.reduce<Stage | "done">((earliest, job) => {
    const at: Stage | "done" = job.status === "queued" && job.attempts === 0 ? "probe" : job.progress.stage;
    return stageOrder(at) < stageOrder(earliest) ? at : earliest;
  }, "done");
  const mean = (pick: (progress: JobProgress) => number) => jobs.reduce((sum, job) => sum + pick(job.progress), 0) / jobs.length;
  const total = (pick: (frames: JobProgress["frames"]) => number) => jobs.reduce((sum, job) => sum + pick(job.progress.frames), 0);
  const failed = jobs.find((job) => job.status === "failed");
  const latestError = [...jobs].sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime()).find((job) => job.lastError)?.lastError ?? null;
  return {
    id: first.runId,
    status,
    attempts: Math.max(...jobs.map((job) => job.attempts)),
    maxAttempts: first.maxAttempts,
    progress: {
      stage,
      stages: Object.fromEntries(STAGES.map((name) => [name, mean((progress) => progress.stages[name])])) as Record<Stage, number>,
      frames: {
        sampled: total((frames) => frames.sampled),
        embedded: total((frames) => frames.embedded),
        indexed: total((frames) => frames.indexed),
        objects: total((frames) => frames.objects),
      },
    },
    lastError: failed?.lastError ?? latestError,
    segments,
    startedAt,
  };
}

/**
 * Each queued run's place in the queue (1: next to start): 1 + the queued jobs of any run, any
 * tenant, that were queued before the run's first waiting job. Workers take jobs oldest first, so
 * this is the wait in jobs; a run's own other segments do not count.
 */
export async function queuePlaces(db: Database, runs: RunSummary[]): Promise<Map<string, number>> {
  const waiting = runs.filter((run) => run.status === "queued").map((run) => run.id);
  if (waiting.length === 0) return new Map();
  // Counted in the database: a list of a few videos does not read the whole queue.
  const first = db
    .select({ runId: jobTable.runId, at: sql`min(${jobTable.createdAt})`.as("first_at") })
    .from(jobTable)
    .where(and(eq(jobTable.status, "queued"), inArray(jobTable.runId, waiting)))
    .groupBy(jobTable.runId)
    .as("first_queued");
  const rows = await db
    .select({
      runId: first.runId,
      // Qualified by hand: drizzle names columns of a subquery and its table without their alias.
      ahead: sql<number>`(select count(*) from ${jobTable} as ahead where ahead.status = 'queued' and ahead.run_id <> first_queued.run_id and ahead.created_at < first_queued.first_at)`.mapWith(Number),
    })
    .from(first);
  return new Map(rows.map((row) => [row.runId, 1 + row.ahead]));
}

/**
 * The first job of each video's newest ingest run (the video's only job unless it was split into
 * segments). Re-index jobs (library/) leave the video as it is and are not its run.
 */
export async function latestForVideos(db: Database, videoIds: string[]): Promise<Map<string, JobRow>> {
  const latest = new Map<string, JobRow>();
  if (videoIds.length === 0) return latest;
  const rows = await db
    .select()
    .from(jobTable)
    .where(and(inArray(jobTable.videoId, videoIds), eq(jobTable.segment, 0), eq(jobTable.kind, "ingest")))
    .orderBy(desc(jobTable.createdAt), desc(jobTable.id));
  for (const row of rows) if (!latest.has(row.videoId)) latest.set(row.videoId, row);
  return latest;
}

/** Every job of each video's latest run, by segment (one job for a video processed in one piece). */
export async function latestRuns(db: Database, videoIds: string[]): Promise<Map<string, JobRow[]>> {
  const runs = new Map<string, JobRow[]>();
  const firsts = await latestForVideos(db, videoIds);
  if (firsts.size === 0) return runs;
  const rows = await db
    .select()
    .from(jobTable)
    .where(inArray(jobTable.runId, [...firsts.values()].map((job) => job.runId)))
    .orderBy(jobTable.segment);
  for (const row of rows) runs.set(row.videoId, [...(runs.get(row.videoId) ?? []), row]);
  return runs;
}

/** Every job of a run, by segment. */
export async function ofRun(db: Pick<Database, "select">, runId: string): Promise<JobRow[]> {
  return db.select().from(jobTable).where(eq(jobTable.runId, runId)).orderBy(jobTable.segment);
}
