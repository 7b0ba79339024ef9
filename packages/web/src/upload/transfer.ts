import { errorFrom, networkError } from "../api/client";
import type { UploadedPart, UploadTarget } from "../api/types";
import { formatBytes } from "../lib/format";
import type { ResumeRecord, ResumeStore } from "./resume";

/** One file's bytes on their way to the target its resume record names. */
export interface Transfer {
  file: File;
  record: ResumeRecord;
  signal: AbortSignal;
  fetch: typeof fetch;
  /** Makes a URL the API handed out absolute. */
  resolve(url: string): string;
  resume: ResumeStore;
  /** Caps the local chunk size below the server's `chunkBytes`. */
  maxChunkBytes: number;
  /** Multipart parts in flight at once. */
  partConcurrency: number;
  /** Runs one request, trying it again while the failure is worth another try. */
  attempt<T>(signal: AbortSignal, what: string, send: (attempt: number) => Promise<T>): Promise<T>;
  /** Bytes the server has confirmed; `resumedFrom` once, when sending (re)starts. */
  progress(patch: { sentBytes: number; resumedFrom?: number | undefined }): void;
}

async function bytes(transfer: Transfer, url: string, init: RequestInit): Promise<Response> {
  try {
    return await transfer.fetch(url, init);
  } catch (error) {
    throw networkError(error);
  }
}

async function received(transfer: Transfer, url: string, signal: AbortSignal): Promise<number> {
  const response = await bytes(transfer, url, { method: "GET", signal });
  if (!response.ok) throw await errorFrom(response);
  return ((await response.json()) as { received: number }).received;
}

/** Local target: chunks in order, each confirmed before the next; starts where the server is. */
export async function sendChunks(transfer: Transfer): Promise<undefined> {
  const { file, record, signal } = transfer;
  const target = record.target as Extract<UploadTarget, { kind: "put" }>;
  const url = transfer.resolve(target.url);
  const size = file.size;
  const chunkBytes = Math.max(1, Math.min(target.chunkBytes, transfer.maxChunkBytes));
  let offset = await transfer.attempt(signal, "Checking the bytes already uploaded", () => received(transfer, url, signal));
  transfer.progress({ sentBytes: offset, resumedFrom: offset > 0 ? offset : undefined });
  while (offset < size) {
    const start = offset;
    const end = Math.min(start + chunkBytes, size);
    offset = await transfer.attempt(signal, `Sending the chunk at ${formatBytes(start)}`, async (attempt) => {
      if (attempt > 1) {
        // The last try may have stored the chunk and lost only the answer: ask first.
        const stored = await received(transfer, url, signal);
        if (stored !== start) return stored;
      }
      const response = await bytes(transfer, url, {
        method: "PUT",
        headers: { ...target.headers, "content-range": `bytes ${start}-${end - 1}/${size}` },
        body: file.slice(start, end),
        signal,
      });
      if (!response.ok) throw await errorFrom(response);
      return ((await response.json()) as { received: number }).received;
    });
    transfer.progress({ sentBytes: offset });
  }
  return undefined;
}

/** S3 target: presigned parts, several at once; ETags are kept so a retry skips stored parts. */
export async function sendParts(transfer: Transfer): Promise<UploadedPart[]> {
  const { file, record, signal } = transfer;
  const target = record.target as Extract<UploadTarget, { kind: "multipart" }>;
  const size = file.size;
  const range = (partNumber: number) => [(partNumber - 1) * target.partBytes, Math.min(partNumber * target.partBytes, size)] as const;
  const partSize = (partNumber: number) => range(partNumber)[1] - range(partNumber)[0];
  let sent = target.parts.reduce((sum, part) => sum + (record.etags[part.partNumber] ? partSize(part.partNumber) : 0), 0);
  transfer.progress({ sentBytes: sent, resumedFrom: sent > 0 ? sent : undefined });

  const pending = target.parts.filter((part) => !record.etags[part.partNumber]);
  const local = new AbortController();
  const stop = () => local.abort(signal.reason);
  signal.addEventListener("abort", stop, { once: true });
  let next = 0;
  let firstError: unknown;
  const worker = async () => {
    while (next < pending.length && !local.signal.aborted) {
      const part = pending[next++]!;
      const [start, end] = range(part.partNumber);
      const etag = await transfer.attempt(local.signal, `Sending part ${part.partNumber}`, async () => {
        const response = await bytes(transfer, transfer.resolve(part.url), { method: "PUT", body: file.slice(start, end), signal: local.signal });
        if (!response.ok) throw await errorFrom(response);
        const etag = response.headers.get("etag");
        if (!etag) throw new Error("The storage accepted a part but hid its ETag: its CORS rules must expose the ETag header.");
        return etag;
      });
      record.etags[part.partNumber] = etag;
      transfer.resume.save(record);
      sent += end - start;
      transfer.progress({ sentBytes: sent });
    }
  };
  const workers = Array.from({ length: Math.min(transfer.partConcurrency, pending.length) }, () =>
    worker().catch((error: unknown) => {
      firstError ??= error;
      local.abort(error);
    }),
  );
  try {
    await Promise.all(workers);
  } finally {
    signal.removeEventListener("abort", stop);
  }
  if (signal.aborted) throw signal.reason;
  if (firstError !== undefined) throw firstError;
  return target.parts.map((part) => ({ partNumber: part.partNumber, etag: record.etags[part.partNumber]! }));
}
