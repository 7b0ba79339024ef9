// @vitest-environment happy-dom
/**
 * The upload queue against a real `vos serve` (local chunked PUT target). The fetch passed to the
 * queue records every request and passes it to the server; a few tests make one chunk fail on
 * its way, which is the only thing the wrapper ever changes.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiClient, type ApiClient } from "../src/api/client";
import { UploadQueue, type UploadItem, type UploadQueueOptions } from "../src/upload/queue";
import { localResumeStore } from "../src/upload/resume";
import { testFixtures } from "./support/fixtures";
import { startServer, type RunningServer } from "./support/server";

const CHUNK = 8 * 1024;

let server: RunningServer;
let api: ApiClient;
let bytes: Uint8Array<ArrayBuffer>;
let fileNo = 0;

beforeAll(async () => {
  const [started, { colourVideo }] = await Promise.all([startServer(), testFixtures()]);
  server = started;
  bytes = new Uint8Array(await readFile(colourVideo)) as Uint8Array<ArrayBuffer>;
  // Same origin as the server, as in the browser (happy-dom's fetch applies CORS).
  (globalThis as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(`${server.url}/`);
  api = createApiClient({ baseUrl: `${server.url}/api` });
});

afterAll(async () => {
  await server?.stop();
});

/** A new file with the colour video's bytes (a distinct name and date: a distinct fingerprint). */
function colourFile(): File {
  fileNo++;
  return new File([bytes], `colour-${fileNo}.mp4`, { type: "video/mp4", lastModified: 1_700_000_000_000 + fileNo });
}

interface Call {
  method: string;
  url: string;
  range?: string;
}

type Fault = (call: Call, init: RequestInit | undefined, pass: () => Promise<Response>) => Promise<Response> | undefined;

/** A fetch that records each request and hands it to the real one, unless `fault` takes it. */
function recordingFetch(fault?: Fault) {
  const calls: Call[] = [];
  const wrapped: typeof fetch = (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.toString() : input.url;
    const headers = new Headers(init?.headers);
    const call: Call = { method: init?.method ?? "GET", url, ...(headers.get("content-range") ? { range: headers.get("content-range")! } : {}) };
    calls.push(call);
    const pass = () => globalThis.fetch(input, init);
    return fault?.(call, init, pass) ?? pass();
  };
  return { fetch: wrapped, calls };
}

/** A queue whose every request (API calls and bytes) goes through `fetcher`. */
function queueWith(fetcher: typeof fetch, options: Partial<UploadQueueOptions> = {}) {
  return new UploadQueue({ api: createApiClient({ baseUrl: `${server.url}/api`, fetch: fetcher }), maxChunkBytes: CHUNK, backoffMs: () => 20, ...options });
}

/** Resolves with the item once it is done, failed or cancelled; records every status seen. */
function settle(queue: UploadQueue, id: string, seen: UploadItem[] = []): Promise<UploadItem> {
  return new Promise((resolve) => {
    const check = () => {
      const item = queue.get(id);
      if (item && seen.at(-1) !== item) seen.push(item);
      if (item && (item.status === "done" || item.status === "failed" || item.status === "cancelled")) {
        unsubscribe();
        resolve(item);
      }
    };
    const unsubscribe = queue.subscribe(check);
    check();
  });
}

async function storedBytes(videoId: string): Promise<Uint8Array> {
  const video = await api.getVideo(videoId);
  expect(video.playbackUrl).toBe(`/api/files/local/videos/${videoId}/source.mp4`);
  const response = await fetch(api.resolve(video.playbackUrl!));
  return new Uint8Array(await response.arrayBuffer());
}

const rangeStart = (call: Call) => Number(/^bytes (\d+)-/.exec(call.range ?? "")?.[1]);
const chunkPuts = (calls: Call[]) => calls.filter((call) => call.method === "PUT");
const networkFailure = () => Promise.reject(new TypeError("Failed to fetch"));

describe("upload queue (local chunked target, real server)", () => {
  it("sends the file in ordered chunks with Content-Range and completes it", async () => {
    const { fetch: fetcher, calls } = recordingFetch();
    const queue = queueWith(fetcher);
    const file = colourFile();
    const [item] = queue.add([file]);
    const seen: UploadItem[] = [];
    const done = await settle(queue, item!.id, seen);

    expect(done.status, done.error).toBe("done");
    expect(done.sentBytes).toBe(file.size);
    expect(done.video?.status).toMatch(/queued|processing|ready/);
    const puts = chunkPuts(calls);
    expect(puts.map((call) => call.range)).toEqual(
      Array.from({ length: Math.ceil(file.size / CHUNK) }, (_, i) => `bytes ${i * CHUNK}-${Math.min((i + 1) * CHUNK, file.size) - 1}/${file.size}`),
    );
    // Progress went up chunk by chunk.
    const progress = seen.map((s) => s.sentBytes);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(new Set(progress).size).toBeGreaterThan(3);
    expect(Buffer.from(await storedBytes(done.videoId!)).equals(Buffer.from(bytes))).toBe(true);
  });

  it("retries a failed chunk with backoff, asking the server first, and finishes intact", async () => {
    let failures = 0;
    const { fetch: fetcher, calls } = recordingFetch((call) => {
      if (call.method === "PUT" && rangeStart(call) === CHUNK && failures < 2) {
        failures++;
        return networkFailure();
      }
      return undefined;
    });
    const delays: number[] = [];
    const queue = queueWith(fetcher, { backoffMs: (attempt) => (delays.push(attempt), 20) });
    const [item] = queue.add([colourFile()]);
    const seen: UploadItem[] = [];
    const done = await settle(queue, item!.id, seen);

    expect(done.status, done.error).toBe("done");
    expect(failures).toBe(2);
    expect(delays).toEqual([1, 2]);
    const retrying = seen.filter((s) => s.status === "retrying");
    expect(retrying.map((s) => s.retry?.attempt)).toEqual([2, 3]);
    expect(retrying[0]!.retry?.reason).toMatch(/Cannot reach the server/);
    // Each retry asked for the bytes received before sending the chunk again.
    const puts = chunkPuts(calls);
    expect(puts.filter((call) => rangeStart(call) === CHUNK)).toHaveLength(3);
    const afterFirstFailure = calls.slice(calls.findIndex((call) => call.method === "PUT" && rangeStart(call) === CHUNK) + 1);
    expect(afterFirstFailure[0]).toMatchObject({ method: "GET" });
    expect(afterFirstFailure[0]!.url).toMatch(/\/upload$/);
    expect(Buffer.from(await storedBytes(done.videoId!)).equals(Buffer.from(bytes))).toBe(true);
  });

  it("does not send a chunk twice when only its answer was lost", async () => {
    let lost = false;
    const { fetch: fetcher, calls } = recordingFetch((call, _init, pass) => {
      if (call.method === "PUT" && rangeStart(call) === 2 * CHUNK && !lost) {
        lost = true;
        // The server stores the chunk; the answer never arrives.
        return pass().then(() => Promise.reject(new TypeError("network connection lost")));
      }
      return undefined;
    });
    const queue = queueWith(fetcher);
    const [item] = queue.add([colourFile()]);
    const done = await settle(queue, item!.id);

    expect(done.status, done.error).toBe("done");
    expect(chunkPuts(calls).filter((call) => rangeStart(call) === 2 * CHUNK)).toHaveLength(1);
    expect(chunkPuts(calls).map(rangeStart)).toEqual([0, CHUNK, 2 * CHUNK, 3 * CHUNK, 4 * CHUNK].filter((start) => start < bytes.length));
    expect(Buffer.from(await storedBytes(done.videoId!)).equals(Buffer.from(bytes))).toBe(true);
  });

  it("fails after the last try, and Retry resumes from the bytes the server has", async () => {
    let broken = true;
    const { fetch: fetcher, calls } = recordingFetch((call) => (broken && call.method === "PUT" && rangeStart(call) === 2 * CHUNK ? networkFailure() : undefined));
    const queue = queueWith(fetcher, { maxAttempts: 2 });
    const [item] = queue.add([colourFile()]);
    const failed = await settle(queue, item!.id);

    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/failed 2 times: Cannot reach the server/);
    expect(failed.retryable).toBe(true);
    expect(failed.sentBytes).toBe(2 * CHUNK);
    const progress = await (await fetch(`${server.url}/api/videos/${failed.videoId}/upload`)).json();
    expect(progress).toEqual({ received: 2 * CHUNK, sizeBytes: bytes.length });

    broken = false;
    const before = calls.length;
    queue.retry(item!.id);
    const done = await settle(queue, item!.id);
    expect(done.status, done.error).toBe("done");
    expect(done.videoId).toBe(failed.videoId);
    expect(done.resumedFrom).toBe(2 * CHUNK);
    const resumed = calls.slice(before);
    expect(resumed.some((call) => call.method === "POST" && call.url.endsWith("/videos"))).toBe(false);
    expect(chunkPuts(resumed).map(rangeStart)[0]).toBe(2 * CHUNK);
    expect(Buffer.from(await storedBytes(done.videoId!)).equals(Buffer.from(bytes))).toBe(true);
  });

  it("resumes after a reload: a new queue finds the stored upload and continues where the server is", async () => {
    localStorage.clear();
    const resume = localResumeStore(localStorage);
    const file = colourFile();
    const first = recordingFetch((call) => (call.method === "PUT" && rangeStart(call) === 3 * CHUNK ? networkFailure() : undefined));
    const before = queueWith(first.fetch, { maxAttempts: 1, resume });
    const [interrupted] = before.add([file]);
    const stopped = await settle(before, interrupted!.id);
    expect(stopped.status).toBe("failed");
    expect(localStorage.length).toBe(1);

    // The page reloads: a new queue, the same storage, the user picks the same file again.
    const second = recordingFetch();
    const after = queueWith(second.fetch, { resume });
    const [again] = after.add([new File([bytes], file.name, { type: file.type, lastModified: file.lastModified })]);
    const done = await settle(after, again!.id);

    expect(done.status, done.error).toBe("done");
    expect(done.videoId).toBe(stopped.videoId);
    expect(done.resumedFrom).toBe(3 * CHUNK);
    expect(second.calls.some((call) => call.method === "POST" && call.url.endsWith("/videos"))).toBe(false);
    expect(chunkPuts(second.calls).map(rangeStart)).toEqual([3 * CHUNK, 4 * CHUNK]);
    expect(localStorage.length).toBe(0);
    expect(Buffer.from(await storedBytes(done.videoId!)).equals(Buffer.from(bytes))).toBe(true);
  });

  it("cancel aborts the chunk in flight and deletes the half-uploaded video", async () => {
    let held: { signal: AbortSignal } | undefined;
    let reached!: () => void;
    const holding = new Promise<void>((resolve) => (reached = resolve));
    const { fetch: fetcher, calls } = recordingFetch((call, init) => {
      if (call.method !== "PUT" || rangeStart(call) !== CHUNK) return undefined;
      const signal = init!.signal!;
      held = { signal };
      reached();
      return new Promise<Response>((_resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    });
    const queue = queueWith(fetcher);
    const [item] = queue.add([colourFile()]);
    await holding;
    const videoId = queue.get(item!.id)!.videoId!;
    expect(queue.get(item!.id)).toMatchObject({ status: "uploading", sentBytes: CHUNK });
    expect((await api.getVideo(videoId)).status).toBe("uploading");

    const putsBefore = chunkPuts(calls).length;
    await queue.cancel(item!.id);

    expect(held!.signal.aborted).toBe(true);
    expect(queue.get(item!.id)!.status).toBe("cancelled");
    expect(queue.busy).toBe(false);
    await expect(api.getVideo(videoId)).rejects.toMatchObject({ status: 404, code: "video.not_found" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(chunkPuts(calls)).toHaveLength(putsBefore);
  });

  it("uploads several files with bounded concurrency", async () => {
    const { fetch: fetcher } = recordingFetch((call, _init, pass) =>
      call.method === "PUT" ? new Promise<void>((resolve) => setTimeout(resolve, 30)).then(pass) : undefined,
    );
    const queue = queueWith(fetcher, { concurrency: 2 });
    let most = 0;
    queue.subscribe(() => {
      const active = queue.getSnapshot().filter((item) => item.status === "uploading" || item.status === "completing" || item.status === "retrying").length;
      most = Math.max(most, active);
    });
    const items = queue.add([colourFile(), colourFile(), colourFile(), colourFile()]);
    expect(queue.getSnapshot().filter((item) => item.status === "queued")).toHaveLength(2);
    const done = await Promise.all(items.map((item) => settle(queue, item.id)));

    expect(done.map((item) => item.status)).toEqual(["done", "done", "done", "done"]);
    expect(most).toBe(2);
    expect(new Set(done.map((item) => item.videoId)).size).toBe(4);
  });

  it("stops at once when the server's disk is full, and offers Retry for when space is freed", async () => {
    const full = new Response(JSON.stringify({ code: "storage.full", message: "The disk holding the data folder is full." }), { status: 507, headers: { "content-type": "application/json" } });
    const { fetch: fetcher, calls } = recordingFetch((call) => (call.method === "PUT" ? Promise.resolve(full.clone()) : undefined));
    const queue = queueWith(fetcher);
    const [item] = queue.add([colourFile()]);
    const seen: UploadItem[] = [];
    const failed = await settle(queue, item!.id, seen);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/disk holding the data folder is full/);
    expect(failed.retryable).toBe(true);
    expect(seen.some((state) => state.status === "retrying")).toBe(false);
    expect(chunkPuts(calls)).toHaveLength(1);
  });

  it("shows the server's reason when it refuses a file, without retrying", async () => {
    const { fetch: fetcher, calls } = recordingFetch();
    const queue = queueWith(fetcher);
    const [item] = queue.add([new File(["just words"], "notes.txt", { type: "text/plain" })]);
    const failed = await settle(queue, item!.id);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/is not a video/);
    expect(failed.videoId).toBeUndefined();
    expect(calls).toEqual([{ method: "POST", url: `${server.url}/api/videos` }]);
    // The same file would be refused again: the list offers no Retry for it.
    expect(failed.retryable).toBe(false);
  });
});
