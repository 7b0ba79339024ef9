import { and, eq, inArray, isNotNull, lt, sql } from "drizzle-orm";
import type { Database } from "../db/database.js";
import { createId } from "../util/id.js";
import { GAVE_UP, recorded, type Failure } from "./failure.js";
import { jobTable, STAGES, type JobProgress, type JobRow, type Stage } from "./job.sql.js";

export { failureOf, gaveUp, GAVE_UP, nextStep, retryDelaySec, stopped, type Failure, type NextStep } from "./failure.js";
export { jobTable, JOB_KINDS, JOB_STATUSES, STAGES, type JobKind, type JobProgress, type JobRow, type JobStatus, type Stage } from "./job.sql.js";
export { doneShare, latestForVideos, latestRuns, ofRun, queuePlaces, runTiming, summariseRun, type RunSummary, type SegmentCounts } from "./runs.js";
export { activity, activitySchema, THROUGHPUT_WINDOW_SEC, type Activity } from "./activity.js";
export { DeadLetterNotFound, deadLetters, deadLetterSchema, redrive, type DeadLetterView } from "./dead-letters.js";

type Tx = Pick<Database, "insert" | "update" | "select" | "delete">;

export function emptyProgress(): JobProgress {
  return {
    stage: "probe",
    stages: Object.fromEntries(STAGES.map((stage) => [stage, 0])) as Record<Stage, number>,
    frames: { sampled: 0, embedded: 0, indexed: 0, objects: 0 },
  };
}

/** A new ingest job for a video, the first of a new run; the caller sends its queue message after the commit. */
export async function create(tx: Tx, input: { tenantId: string; videoId: string; maxAttempts: number }): Promise<JobRow> {
  const id = createId("job");
  const [row] = await tx
    .insert(jobTable)
    .values({ id, runId: id, tenantId: input.tenantId, videoId: input.videoId, kind: "ingest", status: "queued", maxAttempts: input.maxAttempts, progress: emptyProgress() })
    .returning();
  return row!;
}

/** The id of segment `segment`'s job in the run `first` started: the same on every attempt at planning. */
export const segmentJobId = (runId: string, segment: number) => `${runId}.s${segment}`;

/**
 * Makes a job for each segment of `first`'s run but the first (idempotent: a planning attempt that
 * died part-way leaves nothing a new one duplicates); `setRange` then narrows `first` to segment 0.
 * Returns the run's jobs that still need their first queue message: those not yet begun.
 */
export async function addSegments(tx: Tx, first: JobRow, segments: { segment: number; startSec: number; endSec: number | null }[]): Promise<JobRow[]> {
  const [head, ...rest] = segments;
  if (!head || head.segment !== 0) throw new Error("a run's segments start with segment 0");
  if (rest.length > 0) {
    await tx
      .insert(jobTable)
      .values(
        rest.map((range) => ({
          id: segmentJobId(first.runId, range.segment),
          runId: first.runId,
          segment: range.segment,
          startSec: range.startSec,
          endSec: range.endSec,
          tenantId: first.tenantId,
          videoId: first.videoId,
          kind: "ingest" as const,
          status: "queued" as const,
          maxAttempts: first.maxAttempts,
          progress: emptyProgress(),
        })),
      )
      .onConflictDoNothing();
  }
  return tx
    .select()
    .from(jobTable)
    .where(and(eq(jobTable.runId, first.runId), sql`${jobTable.segment} > 0`, eq(jobTable.status, "queued"), eq(jobTable.attempts, 0)))
    .orderBy(jobTable.segment);
}

/**
 * One re-index job per video, all of run `runId` (library/reindex-run.ts); a video that has one
 * in the run already keeps it. Returns the jobs made.
 */
export async function createReindex(tx: Tx, input: { tenantId: string; runId: string; videoIds: string[]; maxAttempts: number }): Promise<JobRow[]> {
  if (input.videoIds.length === 0) return [];
  return tx
    .insert(jobTable)
    .values(
      input.videoIds.map((videoId) => ({
        id: `${input.runId}.${videoId}`,
        runId: input.runId,
        tenantId: input.tenantId,
        videoId,
        kind: "reindex" as const,
        status: "queued" as const,
        maxAttempts: input.maxAttempts,
        progress: emptyProgress(),
      })),
    )
    .onConflictDoNothing()
    .returning();
}

/** A video's jobs of any kind that have not finished: what deleting it must stop. */
export async function unfinishedForVideo(db: Pick<Database, "select">, videoId: string): Promise<JobRow[]> {
  return db.select().from(jobTable).where(and(eq(jobTable.videoId, videoId), inArray(jobTable.status, ["queued", "running"])));
}

/** Narrows a run's first job to its segment: the run is planned. */
export async function setRange(tx: Tx, id: string, range: { startSec: number; endSec: number | null }): Promise<void> {
  await tx.update(jobTable).set({ startSec: range.startSec, endSec: range.endSec, updatedAt: new Date() }).where(eq(jobTable.id, id));
}



/**
 * A partly indexed video processed again: its run's failed segments are queued with fresh
 * attempts, keeping their checkpoints (what they committed stays and is not done again).
 */
export async function reviveFailedSegments(tx: Tx, runId: string): Promise<JobRow[]> {
  return tx
    .update(jobTable)
    .set({ status: "queued", attempts: 0, lastError: null, errorCode: null, taskId: null, deadlineAt: null, finishedAt: null, updatedAt: new Date() })
    .where(and(eq(jobTable.runId, runId), eq(jobTable.status, "failed")))
    .returning();
}

export async function get(db: Pick<Database, "select">, id: string): Promise<JobRow | undefined> {
  const [row] = await db.select().from(jobTable).where(eq(jobTable.id, id));
  return row;
}


/**
 * Claims the job for one attempt. Returns undefined when the job is already finished (a replayed
 * message) so the caller just drops the message. Attempts count every start, including those
 * that crashed without a word, so a job that keeps killing its worker still ends.
 */
export async function begin(db: Database, id: string, taskId: string): Promise<JobRow | undefined> {
  const [row] = await db
    .update(jobTable)
    .set({ status: "running", attempts: sql`${jobTable.attempts} + 1`, taskId, startedAt: sql`coalesce(${jobTable.startedAt}, now())`, updatedAt: new Date() })
    .where(and(eq(jobTable.id, id), inArray(jobTable.status, ["queued", "running"])))
    .returning();
  return row;
}

export async function setProgress(db: Tx, id: string, progress: JobProgress): Promise<void> {
  await db.update(jobTable).set({ progress, updatedAt: new Date() }).where(eq(jobTable.id, id));
}

/** Records that frames up to `frameNo` are fully committed; only ever moves forward. */
export async function checkpoint(tx: Tx, id: string, frameNo: number, progress: JobProgress): Promise<void> {
  await tx
    .update(jobTable)
    .set({ checkpoint: sql`greatest(${jobTable.checkpoint}, ${frameNo})`, progress, updatedAt: new Date() })
    .where(eq(jobTable.id, id));
}

export async function succeed(tx: Tx, id: string, progress: JobProgress): Promise<void> {
  await tx.update(jobTable).set({ status: "succeeded", progress, lastError: null, finishedAt: new Date(), updatedAt: new Date() }).where(eq(jobTable.id, id));
}

export async function fail(tx: Tx, id: string, failure: Pick<Failure, "code" | "message">): Promise<void> {
  await tx
    .update(jobTable)
    .set({ status: "failed", ...recorded(failure), finishedAt: new Date(), updatedAt: new Date() })
    .where(eq(jobTable.id, id));
}

/** Says on a running job why it is not moving (waiting for disk space), without changing its state. */
export async function noteWaiting(db: Database, id: string, reason: Pick<Failure, "code" | "message">): Promise<void> {
  await db
    .update(jobTable)
    .set({ lastError: `${reason.code}: ${reason.message}`, updatedAt: new Date() })
    .where(and(eq(jobTable.id, id), eq(jobTable.status, "running")));
}

/** A transient failure: back to queued with the reason, to be tried again. */
export async function release(db: Database, id: string, reason: string): Promise<void> {
  await db
    .update(jobTable)
    .set({ status: "queued", lastError: reason, updatedAt: new Date() })
    .where(and(eq(jobTable.id, id), eq(jobTable.status, "running")));
}

/**
 * Hands a running job back untouched (the runtime is shutting down): queued again, and the
 * attempt it had begun is not counted, since nothing failed.
 */
export async function handBack(db: Database, id: string, reason: string): Promise<void> {
  await db
    .update(jobTable)
    .set({ status: "queued", attempts: sql`greatest(${jobTable.attempts} - 1, 0)`, lastError: reason, updatedAt: new Date() })
    .where(and(eq(jobTable.id, id), eq(jobTable.status, "running")));
}

/** Jobs not finished yet (queued or running), oldest first. */
export async function unfinished(db: Database, limit = 1000): Promise<JobRow[]> {
  return db.select().from(jobTable).where(inArray(jobTable.status, ["queued", "running"])).orderBy(jobTable.createdAt).limit(limit);
}

// ---------------------------------------------------------------------------------------------
// Jobs run by separate tasks (the cloud runtime): which task holds a job, and until when.

const ACTIVE = ["queued", "running"] as const;

/**
 * Records the task launched for a queued job and the time by which it must have started; a job
 * already running (its task started first) is left alone. Returns whether the row changed.
 */
export async function assignTask(db: Database, id: string, taskId: string, deadline: Date): Promise<boolean> {
  const rows = await db
    .update(jobTable)
    .set({ taskId, deadlineAt: deadline, updatedAt: new Date() })
    .where(and(eq(jobTable.id, id), eq(jobTable.status, "queued")))
    .returning({ id: jobTable.id });
  return rows.length > 0;
}

/**
 * A running task proves it is alive by pushing the job's deadline forward. False means the job is
 * no longer this task's (re-queued by the reconciler, cancelled or finished): the task should stop.
 */
export async function heartbeat(db: Database, id: string, taskId: string, deadline: Date): Promise<boolean> {
  const rows = await db
    .update(jobTable)
    .set({ deadlineAt: deadline, updatedAt: new Date() })
    .where(and(eq(jobTable.id, id), eq(jobTable.status, "running"), eq(jobTable.taskId, taskId)))
    .returning({ id: jobTable.id });
  return rows.length > 0;
}

/**
 * Takes the job away from `taskId` (which stopped, or was given up on) and puts it back in the
 * queued state with no task and no deadline, so that a later event about that task changes
 * nothing. `countAttempt` adds the attempt a task that never began the job could not count;
 * `before` only matches a job whose deadline passed by then (the reconciler). Returns the updated
 * row, or undefined when the job moved on meanwhile.
 */
export async function detach(
  db: Database,
  id: string,
  options: { taskId: string | null; reason?: string; countAttempt?: boolean; before?: Date },
): Promise<JobRow | undefined> {
  const [row] = await db
    .update(jobTable)
    .set({
      status: "queued",
      taskId: null,
      deadlineAt: null,
      updatedAt: new Date(),
      ...(options.reason !== undefined ? { lastError: options.reason } : {}),
      ...(options.countAttempt ? { attempts: sql`${jobTable.attempts} + 1` } : {}),
    })
    .where(
      and(
        eq(jobTable.id, id),
        inArray(jobTable.status, [...ACTIVE]),
        sql`${jobTable.taskId} IS NOT DISTINCT FROM ${options.taskId}`,
        options.before ? lt(jobTable.deadlineAt, options.before) : undefined,
      ),
    )
    .returning();
  return row;
}

/** Jobs held by a task whose deadline passed: the task died without a word, or never started. */
export async function stuck(db: Database, now: Date, limit = 100): Promise<JobRow[]> {
  return db
    .select()
    .from(jobTable)
    .where(and(inArray(jobTable.status, [...ACTIVE]), isNotNull(jobTable.taskId), lt(jobTable.deadlineAt, now)))
    .orderBy(jobTable.deadlineAt)
    .limit(limit);
}

/**
 * Gives a failed job a fresh start (an operator redrove its dead letter): queued, no attempts,
 * no checkpoint, since failing removed what it had made. Only a job that gave up qualifies; one
 * that failed on bad input would fail the same way again.
 */
export async function revive(db: Pick<Database, "update">, id: string): Promise<JobRow | undefined> {
  const [row] = await db
    .update(jobTable)
    .set({
      status: "queued",
      attempts: 0,
      checkpoint: -1,
      progress: emptyProgress(),
      lastError: null,
      errorCode: null,
      taskId: null,
      deadlineAt: null,
      finishedAt: null,
      updatedAt: new Date(),
    })
    .where(and(eq(jobTable.id, id), eq(jobTable.status, "failed"), eq(jobTable.errorCode, GAVE_UP)))
    .returning();
  return row;
}
