/**
 * The upload queue's S3 path (`kind: "multipart"`) against a local S3 (fauxqs) with presigned
 * part URLs, as the API hands them out on AWS: parts in parallel, ETags collected and sent to
 * complete, a failed part retried, stored parts skipped on retry. The API side is a small
 * stand-in that creates and completes the multipart upload with the AWS SDK.
 */
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { startFauxqs, type FauxqsServer } from "fauxqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../src/api/client";
import type { UploadedPart, UploadTarget, VideoView } from "../src/api/types";
import { UploadQueue, type UploadItem, type UploadQueueOptions } from "../src/upload/queue";

const BUCKET = "uploads";
const PART = 5 * 1024 * 1024; // S3's smallest part (all but the last)

let s3server: FauxqsServer;
let s3: S3Client;
let bytes: Uint8Array<ArrayBuffer>;

beforeAll(async () => {
  s3server = await startFauxqs({ port: 0, logger: false });
  s3server.createBucket(BUCKET);
  // Presigned part URLs must not carry a checksum of an empty body (real S3 would refuse the part).
  s3 = new S3Client({
    endpoint: `http://127.0.0.1:${s3server.port}`,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
  bytes = new Uint8Array(3 * PART + 12_345);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 13)) % 251;
});

afterAll(async () => {
  s3?.destroy();
  await s3server?.stop();
});

/** The API's part of an S3 upload: create the multipart upload, presign its parts, complete it. */
function s3Api() {
  const uploads = new Map<string, { key: string; uploadId: string }>();
  const completed: { id: string; parts: UploadedPart[] }[] = [];
  let n = 0;
  const api: UploadQueueOptions["api"] = {
    fetch: (input, init) => globalThis.fetch(input, init),
    resolve: (url) => url,
    async createVideo(input) {
      const id = `vid_s3_${++n}`;
      const key = `local/videos/${id}/source.bin`;
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
      uploads.set(id, { key, uploadId: UploadId! });
      const count = Math.ceil(input.sizeBytes / PART);
      const parts = await Promise.all(
        Array.from({ length: count }, async (_, i) => ({
          partNumber: i + 1,
          url: await getSignedUrl(s3, new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: i + 1 }), { expiresIn: 600 }),
        })),
      );
      const upload: UploadTarget = { kind: "multipart", uploadId: UploadId!, partBytes: PART, parts };
      return { video: { id, status: "uploading" } as VideoView, upload };
    },
    async completeUpload(id, parts) {
      const upload = uploads.get(id)!;
      completed.push({ id, parts: parts ?? [] });
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: upload.key,
          UploadId: upload.uploadId,
          MultipartUpload: { Parts: (parts ?? []).map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })) },
        }),
      );
      return { id, status: "queued" } as VideoView;
    },
    async getVideo(id) {
      if (!uploads.has(id)) throw new ApiError("video.not_found", `No video with id '${id}'.`, 404);
      return { id, status: "uploading" } as VideoView;
    },
    deleteVideo: async (id) => ({ deleted: id, vectors: 0, files: 0 }),
  };
  return { api, completed, stored: async (id: string) => new Uint8Array(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: uploads.get(id)!.key }))).Body!.transformToByteArray()) };
}

interface PartCall {
  partNumber: number;
}

/** Records part PUTs (their number from the URL) and passes them on, unless `fault` takes one. */
function partFetch(fault?: (call: PartCall, pass: () => Promise<Response>) => Promise<Response> | undefined) {
  const calls: PartCall[] = [];
  let inFlight = 0;
  let most = 0;
  const wrapped: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input : input.url);
    const call = { partNumber: Number(url.searchParams.get("partNumber")) };
    calls.push(call);
    inFlight++;
    most = Math.max(most, inFlight);
    try {
      const pass = () => globalThis.fetch(input, init);
      return await (fault?.(call, pass) ?? pass());
    } finally {
      inFlight--;
    }
  };
  return { fetch: wrapped, calls, most: () => most };
}

function settle(queue: UploadQueue, id: string): Promise<UploadItem> {
  return new Promise((resolve) => {
    const check = () => {
      const item = queue.get(id);
      if (item && (item.status === "done" || item.status === "failed" || item.status === "cancelled")) {
        unsubscribe();
        resolve(item);
      }
    };
    const unsubscribe = queue.subscribe(check);
    check();
  });
}

const file = () => new File([bytes], "big.mp4", { type: "video/mp4" });

describe("upload queue (S3 multipart target, local S3)", () => {
  it("sends the parts in parallel, collects their ETags and completes with them", async () => {
    const { api, completed, stored } = s3Api();
    const parts = partFetch();
    const queue = new UploadQueue({ api, fetch: parts.fetch, partConcurrency: 2 });
    const [item] = queue.add([file()]);
    const done = await settle(queue, item!.id);

    expect(done.status, done.error).toBe("done");
    expect(done.sentBytes).toBe(bytes.length);
    expect(parts.calls.map((call) => call.partNumber).sort()).toEqual([1, 2, 3, 4]);
    expect(parts.most()).toBe(2);
    expect(completed).toHaveLength(1);
    expect(completed[0]!.parts.map((part) => part.partNumber)).toEqual([1, 2, 3, 4]);
    for (const part of completed[0]!.parts) expect(part.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(Buffer.from(await stored(done.videoId!)).equals(Buffer.from(bytes))).toBe(true);
  });

  it("retries a failed part and still assembles the exact file", async () => {
    const { api, stored } = s3Api();
    let failed = false;
    const parts = partFetch((call) => {
      if (call.partNumber !== 2 || failed) return undefined;
      failed = true;
      return Promise.reject(new TypeError("Failed to fetch"));
    });
    const queue = new UploadQueue({ api, fetch: parts.fetch, backoffMs: () => 10 });
    const [item] = queue.add([file()]);
    const done = await settle(queue, item!.id);

    expect(done.status, done.error).toBe("done");
    expect(parts.calls.filter((call) => call.partNumber === 2)).toHaveLength(2);
    expect(Buffer.from(await stored(done.videoId!)).equals(Buffer.from(bytes))).toBe(true);
  });

  it("after a part fails for good, Retry sends only the parts S3 does not have", async () => {
    const { api, completed, stored } = s3Api();
    let broken = true;
    const parts = partFetch((call) => (broken && call.partNumber === 3 ? Promise.resolve(new Response("<Error><Code>InternalError</Code></Error>", { status: 500 })) : undefined));
    const queue = new UploadQueue({ api, fetch: parts.fetch, maxAttempts: 2, backoffMs: () => 10, partConcurrency: 1 });
    const [item] = queue.add([file()]);
    const failed = await settle(queue, item!.id);

    expect(failed.status).toBe("failed");
    expect(failed.error).toBe("Sending part 3 failed 2 times: The server answered 500.");
    expect(parts.calls.map((call) => call.partNumber)).toEqual([1, 2, 3, 3]);
    expect(failed.sentBytes).toBe(2 * PART);

    broken = false;
    queue.retry(item!.id);
    const done = await settle(queue, item!.id);
    expect(done.status, done.error).toBe("done");
    expect(done.resumedFrom).toBe(2 * PART);
    expect(parts.calls.map((call) => call.partNumber)).toEqual([1, 2, 3, 3, 3, 4]);
    expect(completed[0]!.parts.map((part) => part.partNumber)).toEqual([1, 2, 3, 4]);
    expect(Buffer.from(await stored(done.videoId!)).equals(Buffer.from(bytes))).toBe(true);
  });

  it("explains a missing ETag (the bucket's CORS rules hide it) instead of retrying", async () => {
    const { api, completed } = s3Api();
    const parts = partFetch(async (_call, pass) => {
      const response = await pass();
      const headers = new Headers(response.headers);
      headers.delete("etag");
      return new Response(await response.arrayBuffer(), { status: response.status, headers });
    });
    const queue = new UploadQueue({ api, fetch: parts.fetch, partConcurrency: 1 });
    const [item] = queue.add([file()]);
    const failed = await settle(queue, item!.id);

    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/must expose the ETag header/);
    expect(parts.calls).toHaveLength(1);
    expect(completed).toHaveLength(0);
  });
});
