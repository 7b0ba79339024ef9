import { createReadStream } from "node:fs";
import { Readable, Transform } from "node:stream";
import { ApiError, type UploadedPart, type UploadTarget } from "@vos/contract";
import type { Limiter } from "./limiter.js";
import { isTransientStatus, Transient, withRetries, type RetryOptions } from "./retry.js";

export type MultipartTarget = Extract<UploadTarget, { kind: "multipart" }>;

/** S3 no longer knows the multipart upload (aborted, or expired by a lifecycle rule). */
export class UploadGone extends Error {}

/** A part that may take this long on a slow line; past it the attempt is retried. */
const PART_TIMEOUT_MS = 15 * 60_000;
/** Fresh URLs a part may ask for before a 403 counts as a refusal rather than an expiry. */
const MAX_RENEWALS = 2;

export interface PartsJob {
  file: string;
  size: number;
  target: MultipartTarget;
  /** Parts stored before (a resumed upload): not sent again. */
  stored: UploadedPart[];
  /** Bounds the PUTs in flight (shared by every file of one command). */
  limiter: Limiter;
  /** Fresh URLs for the same upload (the re-issue route), after a 403: presigned URLs expire. */
  renew(): Promise<MultipartTarget>;
  /** Called as soon as S3 stored a part, so a kill after it never sends it again. */
  onStored(part: UploadedPart): Promise<void>;
  /** Bytes sent (negative: an attempt that failed, whose bytes will be sent again). */
  onProgress(delta: number): void;
  retry?: RetryOptions;
}

const s3Code = (body: string) => /<Code>([^<]+)<\/Code>/.exec(body)?.[1] ?? "";

/**
 * Sends the parts not stored yet, each straight from disk (a range of the file, never the whole
 * file in memory), at most the limiter's bound at once; a dropped connection or a 5xx is retried
 * with backoff, a 403 (expired URL) renews the URLs and sends the part again. Answers every
 * part's ETag, in part order, for completing the upload. The first failure that retrying cannot
 * fix stops the other parts and is thrown.
 */
export async function sendParts(job: PartsJob): Promise<UploadedPart[]> {
  let target = job.target;
  let urls = new Map(target.parts.map((part) => [part.partNumber, part.url]));
  let renewing: Promise<void> | undefined;
  const done = new Map(job.stored.map((part) => [part.partNumber, part.etag]));
  const stop = new AbortController();

  /** One renewal for every part that found the same URLs expired. */
  async function renewFrom(stale: MultipartTarget) {
    if (target !== stale) return;
    renewing ??= job
      .renew()
      .then((fresh) => {
        target = fresh;
        urls = new Map(fresh.parts.map((part) => [part.partNumber, part.url]));
      })
      .finally(() => (renewing = undefined));
    await renewing;
  }

  async function attempt(partNumber: number, renewals: { count: number }): Promise<string> {
    const start = (partNumber - 1) * target.partBytes;
    const length = Math.min(target.partBytes, job.size - start);
    const used = target;
    const url = urls.get(partNumber);
    if (!url) throw new ApiError("upload.part_unknown", `The API gave no URL for part ${partNumber} of ${job.file}.`, 0);
    let counted = 0;
    const source = createReadStream(job.file, { start, end: start + length - 1, highWaterMark: 1024 * 1024 });
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, next) {
        counted += chunk.length;
        job.onProgress(chunk.length);
        next(null, chunk);
      },
    });
    const undo = () => {
      job.onProgress(-counted);
      counted = 0;
    };
    let response: Response;
    try {
      response = await fetch(url, {
        method: "PUT",
        headers: { "content-length": String(length) },
        body: Readable.toWeb(source.pipe(counter)) as unknown as ReadableStream,
        duplex: "half",
        signal: AbortSignal.any([stop.signal, AbortSignal.timeout(PART_TIMEOUT_MS)]),
      } as RequestInit);
    } catch (error) {
      undo();
      if (stop.signal.aborted) throw error;
      throw new Transient(`part ${partNumber}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      source.destroy();
    }
    const body = await response.text().catch(() => "");
    if (response.ok) {
      const etag = response.headers.get("etag");
      if (!etag) throw new ApiError("upload.no_etag", `Storage stored part ${partNumber} but sent no ETag header: the upload cannot be completed.`, response.status);
      return etag;
    }
    undo();
    const code = s3Code(body);
    if (response.status === 404 || code === "NoSuchUpload") throw new UploadGone(`part ${partNumber}: ${code || "HTTP 404"}`);
    if (response.status === 403 && renewals.count < MAX_RENEWALS) {
      renewals.count++;
      await renewFrom(used);
      return attempt(partNumber, renewals);
    }
    if (isTransientStatus(response.status)) throw new Transient(`part ${partNumber}: HTTP ${response.status} ${code}`);
    throw new ApiError("upload.part_refused", `Storage refused part ${partNumber} of ${job.file} (HTTP ${response.status}${code ? ` ${code}` : ""}).`, response.status);
  }

  const todo = target.parts.map((part) => part.partNumber).filter((n) => !done.has(n));
  let failure: unknown;
  await Promise.allSettled(
    todo.map((partNumber) =>
      job.limiter.run(async () => {
        if (stop.signal.aborted) return;
        try {
          const renewals = { count: 0 };
          const etag = await withRetries(() => attempt(partNumber, renewals), job.retry);
          done.set(partNumber, etag);
          await job.onStored({ partNumber, etag });
        } catch (error) {
          failure ??= error;
          stop.abort();
        }
      }),
    ),
  );
  if (failure !== undefined) throw failure;
  return [...done].sort(([a], [b]) => a - b).map(([partNumber, etag]) => ({ partNumber, etag }));
}
