import { ApiError, messageOf, type ApiClient } from "../api/client";
import type { VideoView } from "../api/types";
import type { Connection } from "../lib/connection";
import { fingerprintOf, memoryResumeStore, type ResumeRecord, type ResumeStore } from "./resume";
import { defaultBackoff, retryable, withRetries, type RetryPolicy, type RetryWait } from "./retry";
import { sendChunks, sendParts, type Transfer } from "./transfer";

export type UploadStatus = "queued" | "uploading" | "retrying" | "completing" | "done" | "failed" | "cancelled";

/** One file in the queue, as the UI shows it. Items are immutable: every change is a new object. */
export interface UploadItem {
  readonly id: string;
  readonly name: string;
  readonly sizeBytes: number;
  /** Bytes the server has confirmed. */
  readonly sentBytes: number;
  readonly status: UploadStatus;
  readonly videoId?: string;
  /** Bytes that were already on the server when this upload (re)started, when it resumed. */
  readonly resumedFrom?: number;
  /** Set while waiting to try a failed request again. */
  readonly retry?: RetryWait;
  readonly error?: string;
  /** False when the server refused the file itself (wrong type, too large...): trying again cannot help. */
  readonly retryable?: boolean;
  /** The video as the server answered when the upload completed. */
  readonly video?: VideoView;
}

/** The content type to declare: the browser's video type, or a neutral one when it has none. */
export function contentTypeOf(file: File): string {
  return file.type || "application/octet-stream";
}

export interface UploadQueueOptions {
  api: Pick<ApiClient, "createVideo" | "completeUpload" | "getVideo" | "deleteVideo" | "resolve" | "fetch">;
  /** Sends the file's bytes (chunks and parts); defaults to the API client's fetch. */
  fetch?: typeof fetch;
  /** Files uploading at once. */
  concurrency?: number;
  /** Multipart parts in flight at once, per file. */
  partConcurrency?: number;
  /** Tries per request (a chunk, a part, the completion) before the file fails. */
  maxAttempts?: number;
  /** Wait before try number `attempt + 1`. */
  backoffMs?: (attempt: number) => number;
  /** Caps the local chunk size below the server's `chunkBytes`. */
  maxChunkBytes?: number;
  resume?: ResumeStore;
  /** Presigned part URLs expire: multipart uploads older than this start again instead of resuming. */
  multipartResumeMaxAgeMs?: number;
  /** An upload that failed because the server is away goes on (from what the server has) when it answers. */
  connection?: Pick<Connection, "getSnapshot" | "whenBack">;
}

interface Entry {
  file: File;
  fingerprint: string;
  controller?: AbortController;
  running?: Promise<void>;
  record?: ResumeRecord;
}

const ACTIVE: ReadonlySet<UploadStatus> = new Set(["uploading", "retrying", "completing"]);
const FINISHED: ReadonlySet<UploadStatus> = new Set(["done", "failed", "cancelled"]);

/**
 * Uploads files to the API, a bounded number at a time. Both target kinds the API hands out are
 * supported: `put` (local: chunks in order with Content-Range, resuming from the bytes the
 * server reports) and `multipart` (S3: presigned parts in parallel, ETags collected, then
 * completed). A failed request is tried again with backoff; cancel aborts the requests and
 * deletes the half-uploaded video.
 */
export class UploadQueue {
  readonly #api: UploadQueueOptions["api"];
  readonly #fetch: typeof fetch;
  readonly #concurrency: number;
  readonly #partConcurrency: number;
  readonly #retry: RetryPolicy;
  readonly #maxChunkBytes: number;
  readonly #resume: ResumeStore;
  readonly #multipartMaxAge: number;

  #items: readonly UploadItem[] = [];
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new Set<() => void>();
  #active = 0;
  #seq = 0;
  readonly #connection: UploadQueueOptions["connection"];

  constructor(options: UploadQueueOptions) {
    this.#api = options.api;
    this.#fetch = options.fetch ?? options.api.fetch;
    this.#concurrency = Math.max(1, options.concurrency ?? 2);
    this.#partConcurrency = Math.max(1, options.partConcurrency ?? 4);
    this.#retry = { maxAttempts: Math.max(1, options.maxAttempts ?? 5), backoff: options.backoffMs ?? defaultBackoff };
    this.#maxChunkBytes = options.maxChunkBytes ?? Number.POSITIVE_INFINITY;
    this.#resume = options.resume ?? memoryResumeStore();
    this.#multipartMaxAge = options.multipartResumeMaxAgeMs ?? 50 * 60_000;
    this.#connection = options.connection;
  }

  /** For React's useSyncExternalStore. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  readonly getSnapshot = (): readonly UploadItem[] => this.#items;

  get(id: string): UploadItem | undefined {
    return this.#items.find((item) => item.id === id);
  }

  /** Whether anything is uploading or waiting to. */
  get busy(): boolean {
    return this.#items.some((item) => item.status === "queued" || ACTIVE.has(item.status));
  }

  /** The file behind a video uploaded in this session, to send it again. */
  fileOf(videoId: string): File | undefined {
    for (const [id, entry] of this.#entries) {
      if (entry.record?.videoId === videoId || this.get(id)?.videoId === videoId) return entry.file;
    }
    return undefined;
  }

  /** Queues files; each becomes its own video. */
  add(files: Iterable<File>): UploadItem[] {
    const added: UploadItem[] = [];
    for (const file of files) {
      const id = `upload-${++this.#seq}`;
      this.#entries.set(id, { file, fingerprint: fingerprintOf(file) });
      const item: UploadItem = { id, name: file.name, sizeBytes: file.size, sentBytes: 0, status: "queued" };
      added.push(item);
      this.#items = [...this.#items, item];
    }
    if (added.length) this.#emit();
    this.#pump();
    return added;
  }

  /** Tries a failed upload again; it resumes from what the server already has. */
  retry(id: string): void {
    const item = this.get(id);
    if (!item || item.status !== "failed") return;
    this.#set(id, { status: "queued", error: undefined, retryable: undefined, retry: undefined });
    this.#pump();
  }

  /**
   * Stops an upload that is queued, running or failed: aborts its requests and deletes the
   * video it created on the server. Finished uploads are left alone.
   */
  async cancel(id: string): Promise<void> {
    const item = this.get(id);
    const entry = this.#entries.get(id);
    if (!item || !entry || item.status === "done" || item.status === "cancelled") return;
    this.#set(id, { status: "cancelled", retry: undefined, error: undefined });
    entry.controller?.abort(new DOMException("The upload was cancelled.", "AbortError"));
    await entry.running;
    if (entry.record) {
      this.#resume.remove(entry.fingerprint);
      await this.#api.deleteVideo(entry.record.videoId).catch(() => undefined);
    }
  }

  /** Removes a finished upload from the list. */
  dismiss(id: string): void {
    const item = this.get(id);
    if (!item || !FINISHED.has(item.status)) return;
    this.#items = this.#items.filter((it) => it.id !== id);
    this.#entries.delete(id);
    this.#emit();
  }

  // -------------------------------------------------------------------------------------------

  #emit(): void {
    for (const listener of this.#listeners) listener();
  }

  #set(id: string, patch: Partial<UploadItem>): void {
    const current = this.get(id);
    if (!current) return;
    // A cancelled upload stays cancelled, whatever its last request answers.
    if (current.status === "cancelled" && patch.status !== undefined && patch.status !== "cancelled") return;
    if (current.status === "cancelled" && patch.status === undefined) return;
    const next = { ...current, ...patch } as UploadItem;
    for (const key of Object.keys(patch) as (keyof UploadItem)[]) if (patch[key] === undefined) delete (next as Partial<UploadItem>)[key];
    this.#items = this.#items.map((item) => (item.id === id ? next : item));
    this.#emit();
  }

  #pump(): void {
    while (this.#active < this.#concurrency) {
      const next = this.#items.find((item) => item.status === "queued");
      if (!next) return;
      this.#start(next.id);
    }
  }

  #start(id: string): void {
    const entry = this.#entries.get(id)!;
    const controller = new AbortController();
    entry.controller = controller;
    this.#active++;
    this.#set(id, { status: "uploading" });
    entry.running = this.#run(id, entry, controller.signal)
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        // A full server disk is not retried on its own, but Retry is offered for once space is freed.
        const later = !(error instanceof ApiError) || retryable(error) || error.status === 507;
        const connection = this.#connection;
        const away = connection !== undefined && !connection.getSnapshot().online;
        this.#set(id, { status: "failed", error: away ? "The server does not answer. The upload goes on by itself when it does." : messageOf(error), retryable: later, retry: undefined });
        // retry() does nothing if it was cancelled or retried by hand meanwhile.
        if (away) void connection.whenBack().then(() => this.retry(id));
      })
      .finally(() => {
        this.#active--;
        entry.controller = undefined;
        this.#pump();
      });
  }

  async #run(id: string, entry: Entry, signal: AbortSignal): Promise<void> {
    entry.record ??= (await this.#resumable(id, entry, signal)) ?? (await this.#create(id, entry, signal));
    const record = entry.record;
    this.#set(id, { videoId: record.videoId });
    const transfer: Transfer = {
      file: entry.file,
      record,
      signal,
      fetch: this.#fetch,
      resolve: (url) => this.#api.resolve(url),
      resume: this.#resume,
      maxChunkBytes: this.#maxChunkBytes,
      partConcurrency: this.#partConcurrency,
      attempt: (signal, what, send) => this.#attempt(id, signal, what, send),
      progress: (patch) => this.#set(id, patch),
    };
    const parts = record.target.kind === "put" ? await sendChunks(transfer) : await sendParts(transfer);
    this.#set(id, { status: "completing", sentBytes: entry.file.size });
    const video = await this.#attempt(id, signal, "Finishing the upload", () => this.#api.completeUpload(record.videoId, parts, signal));
    this.#resume.remove(entry.fingerprint);
    this.#set(id, { status: "done", video, sentBytes: entry.file.size });
  }

  /** A stored record for this file whose video still waits for its bytes. */
  async #resumable(id: string, entry: Entry, signal: AbortSignal): Promise<ResumeRecord | undefined> {
    const record = this.#resume.load(entry.fingerprint);
    if (!record) return undefined;
    const inUse = [...this.#entries].some(([other, e]) => other !== id && e.record?.videoId === record.videoId && !FINISHED.has(this.get(other)?.status ?? "done"));
    if (inUse) return undefined;
    if (record.target.kind === "multipart" && Date.now() - record.createdAt > this.#multipartMaxAge) {
      this.#resume.remove(entry.fingerprint);
      await this.#api.deleteVideo(record.videoId).catch(() => undefined);
      return undefined;
    }
    try {
      const video = await this.#api.getVideo(record.videoId, signal);
      if (video.status === "uploading") return record;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
    this.#resume.remove(entry.fingerprint);
    return undefined;
  }

  async #create(id: string, entry: Entry, signal: AbortSignal): Promise<ResumeRecord> {
    const { file } = entry;
    const { video, upload } = await this.#attempt(id, signal, "Registering the video", () =>
      this.#api.createVideo({ filename: file.name, sizeBytes: file.size, contentType: contentTypeOf(file) }, signal),
    );
    const record: ResumeRecord = { fingerprint: entry.fingerprint, videoId: video.id, target: upload, etags: {}, createdAt: Date.now() };
    this.#resume.save(record);
    return record;
  }

  /** Runs `send` with the queue's retries; the item shows each wait. */
  #attempt<T>(id: string, signal: AbortSignal, what: string, send: (attempt: number) => Promise<T>): Promise<T> {
    return withRetries(this.#retry, signal, what, send, (retry) => {
      const status = this.get(id)?.status;
      this.#set(id, { status: "retrying", retry });
      return () => this.#set(id, { status: status === "completing" ? "completing" : "uploading", retry: undefined });
    });
  }
}
