/** How a tenant's library stands: its model, the configured one, and the latest re-index run, video by video. */
import { z } from "zod";
import { errorMessage, isVisibleError } from "../error.js";
import * as Job from "../job/index.js";
import type { Services } from "../services.js";
import * as Video from "../video/index.js";
import { library, model } from "./models.js";
import { settle, videosToMove } from "./reindex-run.js";

const modelRef = z.object({ key: z.string().describe("the model's identity (sha256:<digest> of a folder's files, or <hub id>@<revision>)"), name: z.string() });

export const reindexVideoSchema = z.object({
  videoId: z.string(),
  title: z.string().nullable().describe("null: the video was deleted since"),
  status: z.enum(Job.JOB_STATUSES),
  frames: z.number().int().describe("frames whose vectors the target model has made"),
  objects: z.number().int().describe("objects whose vectors the target model has made"),
  totalFrames: z.number().int().nullable().describe("null until the job has started"),
  totalObjects: z.number().int().nullable(),
  enlarged: z.number().int().describe("images (frames, crops) smaller than the model's input, enlarged to it"),
  source: z
    .enum(["stored", "video"])
    .nullable()
    .describe(
      "where the images came from: stored (the thumbnails and crops ingest kept, at least the model's input), video (decoded again: the thumbnails, 320 px wide, are smaller than the model's input); null until the job has started",
    ),
  error: z.string().nullable(),
});

export const reindexStatusSchema = z
  .object({
    state: z
      .enum(["idle", "running", "failed"])
      .describe("idle: no re-index is running (`videos` lists the last one's, if any); running; failed: a job failed and holds the switch (start the re-index again to resume it)"),
    model: modelRef.nullable().describe("the library's model: searches and new videos use it; null before the first video"),
    target: modelRef.nullable().describe("the model a running re-index moves the library to"),
    configured: modelRef
      .nullable()
      .describe("the model this server is configured with (VOS_CLIP_MODEL): what a re-index moves to by default; null when it cannot be loaded (`configuredError` says why)"),
    configuredError: z
      .object({ code: z.string(), message: z.string() })
      .nullable()
      .describe("why the configured model cannot be loaded (its folder gone, a hub model not downloaded with downloads off); null when it loads"),
    textModel: z
      .string()
      .nullable()
      .describe("the text model searches embed their words with when it is another model's (VOS_CLIP_TEXT_MODEL: searches in other languages, with the configured model's images); null: the configured model's own text half"),
    toMove: z
      .number()
      .int()
      .describe(
        "ready videos not indexed with the configured model: what a re-index to it would re-embed. When the configured model cannot be loaded, ready videos not indexed with the library's model (0 before the first video)",
      ),
    startedAt: z.string().datetime().nullable(),
    videos: z.array(reindexVideoSchema),
  })
  .describe("the library's model and its latest re-index");
export type ReindexStatus = z.infer<typeof reindexStatusSchema>;

export async function reindexStatus(svc: Services, tenantId: string): Promise<ReindexStatus> {
  let lib = await library(svc.db, tenantId);
  let jobs = lib?.reindexRunId ? await Job.ofRun(svc.db, lib.reindexRunId) : [];
  // A run whose last job went away (its video deleted) has nobody left to switch it.
  if (lib?.targetKey && jobs.every((job) => job.status === "succeeded")) {
    await settle(svc, tenantId);
    lib = await library(svc.db, tenantId);
    jobs = lib?.reindexRunId ? await Job.ofRun(svc.db, lib.reindexRunId) : [];
  }
  // A configured model that cannot load must not hide the library's state: it is reported instead.
  const loaded = await svc.embedder().then(
    (embedder) => ({ configured: embedder.identity, configuredError: null, textModel: embedder.textModel ?? null }),
    (error: unknown) => ({ configured: null, configuredError: { code: isVisibleError(error) ? error.code : "embedder.model_unavailable", message: errorMessage(error) }, textModel: null }),
  );
  const moveTo = loaded.configured?.key ?? lib?.activeKey;
  const active = lib ? await model(svc.db, lib.activeKey) : undefined;
  const target = lib?.targetKey ? await model(svc.db, lib.targetKey) : undefined;
  const titles = await Video.titles(svc, tenantId, jobs.map((job) => job.videoId));
  const state = !target ? "idle" : jobs.some((job) => job.status === "failed") && !jobs.some((job) => job.status === "queued" || job.status === "running") ? "failed" : "running";
  return {
    state,
    model: active ? { key: active.key, name: active.name } : null,
    target: target ? { key: target.key, name: target.name } : null,
    configured: loaded.configured ? { key: loaded.configured.key, name: loaded.configured.name } : null,
    configuredError: loaded.configuredError,
    textModel: loaded.textModel,
    toMove: moveTo ? (await videosToMove(svc.db, tenantId, moveTo)).length : 0,
    startedAt: lib?.reindexStartedAt?.toISOString() ?? null,
    videos: jobs.map((job) => ({
      videoId: job.videoId,
      title: titles.get(job.videoId) ?? null,
      status: job.status,
      frames: job.progress.frames.embedded,
      objects: job.progress.frames.objects,
      totalFrames: job.progress.reindex?.frames ?? null,
      totalObjects: job.progress.reindex?.objects ?? null,
      enlarged: job.progress.reindex?.enlarged ?? 0,
      source: job.progress.reindex?.source ?? null,
      error: job.lastError,
    })),
  };
}
