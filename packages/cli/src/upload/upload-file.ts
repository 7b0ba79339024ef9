import { stat } from "node:fs/promises";
import path from "node:path";
import { ApiError, type UploadedPart, type UploadTarget, type VideoView } from "@vos/contract";
import type { Client } from "../client.js";
import { contentTypeOf } from "../content-types.js";
import { createLimiter, type Limiter } from "./limiter.js";
import { sendParts, UploadGone, type MultipartTarget } from "./multipart.js";
import { sendPut } from "./put.js";
import type { Fingerprint, ResumeRecord, ResumeStore } from "./resume-store.js";
import { Transient, type RetryOptions } from "./retry.js";

/** Part URLs older than this are renewed before a resumed upload uses them (they expire). */
export const RENEW_AFTER_MS = 30 * 60_000;

export interface UploadOptions {
  title?: string;
  /** Bytes the API holds or is being sent, of the file's total. */
  onProgress?: (sent: number, total: number) => void;
  /** Where unfinished uploads are remembered (`vos ingest`); without it nothing is kept. */
  resume?: ResumeStore;
  /** Who receives the upload (the API URL, or the data folder), in each record's fingerprint; default the client's URL. */
  apiIdentity?: string;
  /** Bounds the requests in flight; default 4 for this file alone. */
  limiter?: Limiter;
  retry?: RetryOptions;
  /** A line for people: resuming, starting over. */
  onNote?: (message: string) => void;
}

export interface Uploaded {
  video: VideoView;
  /** Bytes an earlier run had stored already (0: a new upload). */
  resumedBytes: number;
}

/** Where this run stands with the file's video. */
type Session =
  | { kind: "send"; videoId: string; record?: ResumeRecord; target: UploadTarget; stored: UploadedPart[]; startAt?: number }
  | { kind: "complete"; videoId: string }
  | { kind: "done"; video: VideoView };

const MOVED_ON = new Set(["queued", "processing", "ready", "failed"]);
const isNotFound = (error: unknown) => error instanceof ApiError && error.status === 404;
/** Refusals resuming cannot fix: the record goes, and the next run starts over. */
const isFinal = (error: unknown) => error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 401 && error.status !== 408 && error.status !== 429;

/**
 * Registers a file and uploads it to whatever target the API answers (`put` locally, S3
 * `multipart` on AWS), then completes it. With `resume`, the file's record lets a later run
 * continue the same video after a kill: the parts S3 stored are skipped (URLs renewed when old or
 * refused), a local upload goes on from the bytes the API holds. A record whose video is gone,
 * or whose multipart upload S3 dropped, starts over with a new video.
 */
export async function uploadFile(client: Client, file: string, options: UploadOptions = {}): Promise<Uploaded> {
  const absolute = path.resolve(file);
  const info = await stat(absolute).catch(() => {
    throw new ApiError("cli.file_not_found", `No such file: ${file}`, 0);
  });
  if (!info.isFile()) throw new ApiError("cli.not_a_file", `${file} is not a file.`, 0);
  const size = info.size;
  const fp: Fingerprint = { path: absolute, size, mtimeMs: info.mtimeMs, apiUrl: options.apiIdentity ?? client.baseUrl };
  const limiter = options.limiter ?? createLimiter(4);
  const store = options.resume;
  let shown = 0;
  const progress = (delta: number) => {
    shown += delta;
    options.onProgress?.(shown, size);
  };

  async function fresh(): Promise<Session> {
    const created = await client.createVideo({ filename: path.basename(file), sizeBytes: size, contentType: contentTypeOf(file), ...(options.title ? { title: options.title } : {}) });
    const record = await store?.begin(fp, created.video.id, created.upload);
    return { kind: "send", videoId: created.video.id, target: created.upload, stored: [], ...(record ? { record } : {}) };
  }

  /** The record's video, as far as it got; undefined when it is gone (start over). */
  async function resumed(record: ResumeRecord, stored: UploadedPart[]): Promise<Session | undefined> {
    const { videoId } = record;
    try {
      if (record.target.kind === "put") {
        const { received } = await client.received(record.target.url);
        return received >= size ? { kind: "complete", videoId } : { kind: "send", videoId, record, target: record.target, stored, startAt: received };
      }
      const current = Date.now() - record.targetIssuedAt > RENEW_AFTER_MS ? await store!.renewed(record, await client.renewUpload(videoId)) : record;
      return { kind: "send", videoId, record: current, target: current.target, stored };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      if (error instanceof ApiError && error.code === "upload.stored") return { kind: "complete", videoId };
      if (error instanceof ApiError && error.code === "upload.not_started") {
        // The API lost track of the multipart upload: this video can never complete.
        await client.deleteVideo(videoId).catch(() => undefined);
        return undefined;
      }
      if (error instanceof ApiError && error.code === "video.invalid_state") {
        // An earlier run completed it and was stopped before forgetting the record.
        const video = await client.getVideo(videoId).catch(() => undefined);
        return video && MOVED_ON.has(video.status) ? { kind: "done", video } : undefined;
      }
      throw error;
    }
  }

  async function send(session: Extract<Session, { kind: "send" }>): Promise<UploadedPart[] | undefined> {
    const { target } = session;
    if (target.kind === "put") {
      await sendPut({ client, file: absolute, size, target, limiter, onProgress: progress, ...(session.startAt !== undefined ? { startAt: session.startAt } : {}), ...(options.retry ? { retry: options.retry } : {}) });
      return undefined;
    }
    let record = session.record;
    return sendParts({
      file: absolute,
      size,
      target,
      stored: session.stored,
      limiter,
      async renew() {
        const fresher = await client.renewUpload(session.videoId);
        if (fresher.kind !== "multipart") throw new ApiError("upload.target_changed", `The API no longer takes ${file} as a multipart upload: run again to start over.`, 0);
        if (record && store) record = await store.renewed(record, fresher);
        return fresher as MultipartTarget;
      },
      onStored: async (part) => store?.partStored(fp, part),
      onProgress: progress,
      ...(options.retry ? { retry: options.retry } : {}),
    });
  }

  function storedBytes(session: Extract<Session, { kind: "send" }>): number {
    if (session.target.kind === "put") return session.startAt ?? 0;
    const { partBytes } = session.target;
    return session.stored.reduce((sum, part) => sum + Math.max(0, Math.min(partBytes, size - (part.partNumber - 1) * partBytes)), 0);
  }

  const unfinished = await store?.load(fp);
  let session: Session | undefined;
  let resumedBytes = 0;
  if (unfinished) {
    session = await resumed(unfinished.record, unfinished.stored);
    if (!session) {
      options.onNote?.(`${file}: the unfinished upload of ${unfinished.record.videoId} is gone; starting over.`);
      await store!.remove(fp);
    }
  }
  for (let attempt = 0; ; attempt++) {
    session ??= await fresh();
    if (session.kind === "done") {
      await store?.remove(fp);
      return { video: session.video, resumedBytes: size };
    }
    if (session.kind === "send" && session.videoId === unfinished?.record.videoId) {
      resumedBytes = storedBytes(session);
      progress(resumedBytes);
      options.onNote?.(`${file}: resuming ${session.videoId} (${resumedBytes} of ${size} bytes stored).`);
    }
    const { videoId } = session;
    try {
      const parts = session.kind === "send" ? await send(session) : undefined;
      const video = await client.completeVideo(videoId, parts);
      await store?.remove(fp);
      return { video, resumedBytes };
    } catch (error) {
      if (error instanceof UploadGone && attempt === 0) {
        // S3 dropped the multipart upload: this video can never complete. Start over once.
        options.onNote?.(`${file}: storage no longer has the upload of ${videoId}; starting over.`);
        await client.deleteVideo(videoId).catch(() => undefined);
        await store?.remove(fp);
        progress(-shown);
        session = undefined;
        continue;
      }
      if (error instanceof Transient) {
        throw new ApiError("upload.interrupted", `The upload of ${file} stopped (${error.message}); run the same command again to resume it.`, 0);
      }
      if (error instanceof UploadGone) throw new ApiError("upload.gone", `Storage no longer has the upload of ${file}: run again to start over.`, 0);
      if (isFinal(error)) {
        // Resuming cannot fix it: leave no video waiting for bytes that will never come.
        await client.deleteVideo(videoId).catch(() => undefined);
        await store?.remove(fp);
      }
      throw error;
    }
  }
}
