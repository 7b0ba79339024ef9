import { createReadStream } from "node:fs";
import { Readable, Transform } from "node:stream";
import { ApiError, type UploadTarget } from "@vos/contract";
import type { Client } from "../client.js";
import type { Limiter } from "./limiter.js";
import { isTransientStatus, Transient, withRetries, type RetryOptions } from "./retry.js";

export type PutTarget = Extract<UploadTarget, { kind: "put" }>;

export interface PutJob {
  client: Client;
  file: string;
  size: number;
  target: PutTarget;
  /** An upload begun by an earlier run: the bytes the API holds already (sending goes on from there). */
  startAt?: number;
  limiter: Limiter;
  /** Bytes sent (negative: an attempt that failed, whose bytes will be sent again). */
  onProgress(delta: number): void;
  retry?: RetryOptions;
}

/** A dropped connection or a 5xx is worth another try; any other refusal is final. */
function classify(error: unknown): never {
  if (error instanceof ApiError && (error.status === 0 || isTransientStatus(error.status))) throw new Transient(error.message);
  throw error;
}

/**
 * Sends a file to a `put` target (the local runtime's upload route): whole when it fits in one
 * chunk, else chunk by chunk with Content-Range, each read from disk as it is sent. After a failed
 * chunk, or when resuming, the API says how many bytes it holds and sending goes on from there
 * (a chunk is stored whole or not at all).
 */
export async function sendPut(job: PutJob): Promise<void> {
  const { client, file, size, target } = job;
  let reported = job.startAt ?? 0;
  const report = (sent: number) => {
    job.onProgress(sent - reported);
    reported = sent;
  };
  const body = (start: number, end: number, base: number) => () => {
    let counted = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, next) {
        counted += chunk.length;
        report(base + counted);
        next(null, chunk);
      },
    });
    return Readable.toWeb(createReadStream(file, { start, end: end - 1, highWaterMark: 1024 * 1024 }).pipe(counter)) as unknown as ReadableStream;
  };

  if (job.startAt === undefined && size <= target.chunkBytes) {
    await withRetries(
      () =>
        job.limiter
          .run(() => client.putBytes(target.url, { ...target.headers, "content-length": String(size) }, body(0, size, 0)))
          .catch((error: unknown) => {
            report(0);
            return classify(error);
          }),
      job.retry,
    );
    report(size);
    return;
  }

  let offset = job.startAt ?? 0;
  while (offset < size) {
    const start = offset;
    offset = await withRetries(async (attempt) => {
      // After a failure the chunk may have been stored after all: ask before sending it again.
      const from = attempt === 0 ? start : await client.received(target.url).then((r) => r.received, classify);
      if (from >= size) return from;
      const end = Math.min(from + target.chunkBytes, size);
      const headers = { ...target.headers, "content-length": String(end - from), "content-range": `bytes ${from}-${end - 1}/${size}` };
      try {
        return (await job.limiter.run(() => client.putBytes(target.url, headers, body(from, end, from)))).received;
      } catch (error) {
        report(from);
        // Another writer moved the offset: a fresh look at it is all this needs.
        if (error instanceof ApiError && error.code === "upload.offset_mismatch") throw new Transient(error.message);
        return classify(error);
      }
    }, job.retry);
    report(offset);
  }
}
