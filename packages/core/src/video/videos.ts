/** Videos: registering, listing, viewing and deleting them (processing.ts queues their runs). */
import { and, desc, eq, inArray, isNotNull, lt, ne, sql } from "drizzle-orm";
import { z } from "zod";
import * as Job from "../job/index.js";
import { containerOfFilename } from "../media/containers.js";
import type { Services } from "../services.js";
import { createId } from "../util/id.js";
import { textField } from "../util/text.js";
import { vectorId } from "../vector/vector-index.js";
import { failureRemovesUpload, uploadErrors } from "./errors.js";
import { row, sourceKey, VIDEO_TYPE, videoPrefix } from "./rows.js";
import { releaseDroppedFile } from "./source-file.js";
import { VIDEO_STATUSES, videoTable, type VideoRow } from "./video.sql.js";

/** S3's most parts per multipart upload, and the longest ETag accepted (S3's own are 34 characters). */
export const MAX_PARTS = 10000;
export const MAX_ETAG_CHARS = 200;

/** A video id as it comes in (path, query, search filter). */
export const idSchema = textField().min(1).max(100);

export const completeSchema = z.object({
  parts: z
    .array(z.object({ partNumber: z.number().int().min(1).max(MAX_PARTS), etag: textField().min(1).max(MAX_ETAG_CHARS) }))
    .max(MAX_PARTS)
    .optional()
    .describe("S3 multipart uploads: each part's number and ETag"),
});

export const createSchema = z.object({
  filename: textField().trim().min(1).max(255).describe("name of the file being uploaded"),
  sizeBytes: z.number().int().min(0).describe("exact size of the file in bytes"),
  contentType: textField().trim().max(100).default("application/octet-stream").describe("MIME type, video/* or application/octet-stream"),
  title: textField().trim().min(1).max(200).optional().describe("title shown in lists; defaults to the file name"),
});
export type CreateInput = z.input<typeof createSchema>;

const progressSchema = z.object({
  stage: z.enum([...Job.STAGES, "done"]),
  stages: z.object(Object.fromEntries(Job.STAGES.map((stage) => [stage, z.number().min(0).max(1)])) as Record<Job.Stage, z.ZodNumber>),
  frames: z.object({ sampled: z.number().int(), embedded: z.number().int(), indexed: z.number().int(), objects: z.number().int().default(0) }),
});

/** The video as the API and CLI show it (also its OpenAPI schema). */
export const viewSchema = z.object({
  id: z.string(),
  title: z.string(),
  filename: z.string(),
  status: z.enum(VIDEO_STATUSES),
  sizeBytes: z.number().int(),
  durationSec: z.number().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  fps: z.number().nullable(),
  codec: z.string().nullable(),
  frameCount: z.number().int(),
  objectCount: z.number().int(),
  error: z.object({ code: z.string(), message: z.string() }).nullable().describe("why processing failed"),
  job: z
    .object({
      id: z.string(),
      status: z.enum(Job.JOB_STATUSES),
      attempts: z.number().int(),
      maxAttempts: z.number().int(),
      progress: progressSchema,
      lastError: z.string().nullable(),
      segments: z
        .object({ total: z.number().int(), succeeded: z.number().int(), running: z.number().int(), queued: z.number().int(), failed: z.number().int() })
        .describe("a long video is processed in segments, one job each, in parallel: how they stand (total 1: one job for the whole video)"),
      startedAt: z.string().nullable().describe("when a worker first began the run; null while it has only waited"),
      elapsedSec: z.number().int().nullable().describe("seconds since the run began, while it runs; else null"),
      etaSec: z.number().int().nullable().describe("estimated seconds left at the pace so far, while it runs; null until there is a pace"),
      queuePlace: z.number().int().min(1).nullable().describe("while the run waits: its place among the queued jobs of every run (1: next to start); else null"),
    })
    .nullable()
    .describe("the latest processing run (its segments summed), with per-stage progress"),
  model: z
    .object({ key: z.string().describe("the model's identity: sha256:<digest> of a folder's files, or <hub id>@<revision>"), name: z.string() })
    .nullable()
    .describe("the model the video's vectors were made with (null: not processed yet, or processed before models were recorded)"),
  playbackUrl: z.string().nullable().describe("URL to play the uploaded file (HTTP Range locally, presigned on AWS)"),
  retryable: z.boolean().describe("failed, and its uploaded file is still stored: POST /videos/{id}/retry processes it again"),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type VideoView = z.infer<typeof viewSchema>;

export function view(row: VideoRow, job?: Job.RunSummary, playbackUrl: string | null = null, retryable = false, queuePlace: number | null = null, now = new Date()): VideoView {
  return {
    id: row.id,
    title: row.title,
    filename: row.filename,
    status: row.status,
    sizeBytes: row.sizeBytes,
    durationSec: row.durationSec,
    width: row.width,
    height: row.height,
    fps: row.fps,
    codec: row.codec,
    frameCount: row.frameCount,
    objectCount: row.objectCount,
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? "" } : null,
    job: job
      ? {
          id: job.id,
          status: job.status,
          attempts: job.attempts,
          maxAttempts: job.maxAttempts,
          progress: job.progress,
          lastError: job.lastError,
          segments: job.segments,
          startedAt: job.startedAt?.toISOString() ?? null,
          ...Job.runTiming(job, now),
          queuePlace: job.status === "queued" ? queuePlace : null,
        }
      : null,
    model: row.modelKey ? { key: row.modelKey, name: row.modelName ?? row.modelKey } : null,
    playbackUrl,
    retryable: row.status === "failed" && retryable,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Playable once uploaded and not known to be bad. */
const playable = (row: VideoRow) => row.status === "queued" || row.status === "processing" || row.status === "ready";

async function views(svc: Services, rows: VideoRow[]): Promise<VideoView[]> {
  const runs = await Job.latestRuns(svc.db, rows.map((r) => r.id));
  const jobs = new Map([...runs].map(([id, run]) => [id, Job.summariseRun(run)]));
  const places = await Job.queuePlaces(svc.db, [...jobs.values()]);
  const now = new Date();
  return Promise.all(
    rows.map(async (r) => {
      const job = jobs.get(r.id);
      const url = playable(r) ? await svc.blobs.url(r.blobKey) : null;
      // A failed segment never removes the upload: the other segments read it.
      const retryable = r.segments > 1 || !(r.errorCode && failureRemovesUpload(r.errorCode));
      return view(r, job, url, retryable, job ? (places.get(job.id) ?? null) : null, now);
    }),
  );
}


/** Registers a video about to be uploaded; size and type are checked before any byte moves. */
export async function create(svc: Services, tenantId: string, input: CreateInput): Promise<VideoRow> {
  const parsed = createSchema.parse(input);
  if (parsed.sizeBytes === 0) throw uploadErrors.empty();
  if (parsed.sizeBytes > svc.settings.maxUploadBytes) throw uploadErrors.tooLarge(parsed.sizeBytes, svc.settings.maxUploadBytes);
  if (!VIDEO_TYPE.test(parsed.contentType)) throw uploadErrors.unsupportedType(parsed.contentType);
  const accepted = svc.settings.media?.containers;
  const container = containerOfFilename(parsed.filename);
  if (container && accepted && accepted !== "*" && !accepted.includes(container)) throw uploadErrors.unsupportedContainer(parsed.filename, container, accepted);
  const id = createId("vid");
  const [row] = await svc.db
    .insert(videoTable)
    .values({
      id,
      tenantId,
      title: parsed.title ?? parsed.filename,
      filename: parsed.filename,
      contentType: parsed.contentType,
      status: "uploading",
      sizeBytes: parsed.sizeBytes,
      blobKey: sourceKey(tenantId, id, parsed.filename),
    })
    .returning();
  return row!;
}


export async function get(svc: Services, tenantId: string, id: string): Promise<VideoView> {
  const [shown] = await views(svc, [await row(svc, tenantId, id)]);
  return shown!;
}

/** Newest first, paged by id (ids sort by creation time). */
export async function list(svc: Services, tenantId: string, options: { limit?: number; before?: string } = {}): Promise<VideoView[]> {
  const rows = await svc.db
    .select()
    .from(videoTable)
    .where(and(eq(videoTable.tenantId, tenantId), options.before ? lt(videoTable.id, options.before) : undefined))
    .orderBy(desc(videoTable.id))
    .limit(options.limit ?? 100);
  return views(svc, rows);
}

/**
 * Deletes a video and everything made from it: vectors, files, then rows (frames and jobs
 * cascade). The row is marked `deleting` first, so a crash part-way leaves a video that can be
 * deleted again rather than orphans that nothing points to.
 */
export async function remove(svc: Services, tenantId: string, id: string): Promise<{ vectors: number; blobs: number }> {
  const video = await row(svc, tenantId, id);
  await svc.db.update(videoTable).set({ status: "deleting", updatedAt: new Date() }).where(eq(videoTable.id, id));
  // Every running job on it stops: the segments of its run, a re-index.
  for (const job of await Job.unfinishedForVideo(svc.db, id)) svc.cancelJob?.(job.id);
  // A dropped file (drop.ts) was never an API upload: nothing to abort.
  if (video.status === "uploading" && !video.sourceEtag) await svc.uploads.abort(video);
  const vectors = await svc.vectors.deleteByPrefix(tenantId, vectorId.videoPrefix(id));
  const blobs = (await svc.blobs.deletePrefix(videoPrefix(tenantId, video.id))) + (await releaseDroppedFile(svc, video));
  await svc.db.delete(videoTable).where(eq(videoTable.id, id));
  svc.log.info("video deleted", { videoId: id, vectors, blobs });
  return { vectors, blobs };
}

/** A tenant's videos still being processed (queued or processing), whose finished parts search already finds. */
export async function unfinishedIds(db: Services["db"], tenantId: string): Promise<string[]> {
  const rows = await db
    .select({ id: videoTable.id })
    .from(videoTable)
    .where(and(eq(videoTable.tenantId, tenantId), inArray(videoTable.status, ["queued", "processing"])));
  return rows.map((r) => r.id);
}

/** A tenant's ready videos whose vectors another model made than `modelKey`, counted by model. */
export async function otherModels(db: Services["db"], tenantId: string, modelKey: string): Promise<{ key: string; name: string; videos: number }[]> {
  const rows = await db
    .select({ key: videoTable.modelKey, name: sql<string>`max(${videoTable.modelName})`, videos: sql<number>`count(*)::int` })
    .from(videoTable)
    .where(and(eq(videoTable.tenantId, tenantId), eq(videoTable.status, "ready"), isNotNull(videoTable.modelKey), ne(videoTable.modelKey, modelKey)))
    .groupBy(videoTable.modelKey)
    .orderBy(videoTable.modelKey);
  return rows.map((row) => ({ key: row.key!, name: row.name ?? row.key!, videos: Number(row.videos) }));
}

/** Titles of the given videos of a tenant, for labelling search results. */
export async function titles(svc: Services, tenantId: string, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await svc.db
    .select({ id: videoTable.id, title: videoTable.title })
    .from(videoTable)
    .where(and(eq(videoTable.tenantId, tenantId), inArray(videoTable.id, ids)));
  return new Map(rows.map((r) => [r.id, r.title]));
}

export async function find(svc: Services, id: string): Promise<VideoRow | undefined> {
  const [found] = await svc.db.select().from(videoTable).where(eq(videoTable.id, id));
  return found;
}
