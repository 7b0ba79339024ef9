import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlobTooLarge, type BlobStore } from "../../src/blob/index.js";
import { createS3BlobStore } from "../../src/blob/s3.js";
import { createS3UploadTargets, partSize } from "../../src/uploads/s3-multipart.js";
import { probe } from "../../src/media/index.js";
import type { UploadTargets } from "../../src/uploads/index.js";
import { startFauxqs, useFauxqsEnvironment, type Fauxqs } from "../support/fauxqs.js";
import { colourVideo } from "../support/videos.js";

const MiB = 1024 * 1024;
let fauxqs: Fauxqs;
let s3: S3Client;
let blobs: BlobStore;
let uploads: UploadTargets;

beforeAll(async () => {
  fauxqs = await startFauxqs();
  useFauxqsEnvironment(fauxqs);
  fauxqs.bucket("uploads");
  fauxqs.bucket("frames");
  s3 = new S3Client({ region: "us-east-1", forcePathStyle: true });
  blobs = createS3BlobStore({ s3, uploadsBucket: "uploads", framesBucket: "frames" });
  uploads = createS3UploadTargets({ s3, bucket: "uploads", preferredPartBytes: 5 * MiB });
});
afterAll(async () => {
  await fauxqs.stop();
});

const inBucket = async (bucket: string, key: string) =>
  s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    () => false,
  );
const text = async (stream: Readable) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

describe("S3 blob store on fauxqs", () => {
  it("routes uploads and thumbnails to their buckets and reads them back", async () => {
    const source = "t1/videos/vid_a/source.mp4";
    const thumbnail = "t1/videos/vid_a/frames/000001.jpg";
    expect(await blobs.put(source, Buffer.from("movie bytes"), { contentType: "video/mp4" })).toEqual({ size: 11, contentType: "video/mp4" });
    await blobs.put(thumbnail, Buffer.from("jpeg"), { contentType: "image/jpeg" });
    expect([await inBucket("uploads", source), await inBucket("frames", source)]).toEqual([true, false]);
    expect([await inBucket("frames", thumbnail), await inBucket("uploads", thumbnail)]).toEqual([true, false]);
    const crop = "t1/videos/vid_a/objects/000001.0.jpg";
    await blobs.put(crop, Buffer.from("crop"));
    expect(await inBucket("frames", crop)).toBe(true);
    await blobs.delete(crop);
    expect(await blobs.stat(source)).toEqual({ size: 11, contentType: "video/mp4" });
    expect(await blobs.stat("t1/videos/vid_a/missing.mp4")).toBeUndefined();
    expect((await text(await blobs.get(source))).toString()).toBe("movie bytes");
    expect((await text(await blobs.get(source, { start: 6, end: 10 }))).toString()).toBe("bytes");
    expect(await blobs.list("t1/videos/vid_a/")).toEqual([thumbnail, source].sort());
  });

  it("streams a large body up in parts, and refuses one over maxBytes without leaving an object", async () => {
    const big = randomBytes(12 * MiB);
    const key = "t1/videos/vid_b/source.mp4";
    expect(await blobs.put(key, Readable.from([big.subarray(0, 5 * MiB), big.subarray(5 * MiB)]), { maxBytes: 20 * MiB })).toMatchObject({ size: 12 * MiB });
    expect((await blobs.stat(key))?.size).toBe(12 * MiB);
    expect((await text(await blobs.get(key, { start: 7 * MiB, end: 7 * MiB + 99 }))).equals(big.subarray(7 * MiB, 7 * MiB + 100))).toBe(true);

    const refused = "t1/videos/vid_c/source.mp4";
    await expect(blobs.put(refused, Readable.from([big]), { maxBytes: 6 * MiB })).rejects.toBeInstanceOf(BlobTooLarge);
    await expect(blobs.put(refused, Buffer.alloc(10), { maxBytes: 5 })).rejects.toBeInstanceOf(BlobTooLarge);
    expect(await blobs.stat(refused)).toBeUndefined();
  });

  it("deletes a prefix across both buckets, past one page of listing", async () => {
    const prefix = "t2/videos/vid_many/";
    const keys = Array.from({ length: 1005 }, (_, i) => `${prefix}frames/${String(i).padStart(6, "0")}.jpg`);
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((key) => blobs.put(key, Buffer.from("x"))));
    await blobs.put(`${prefix}source.mp4`, Buffer.from("video"));
    await blobs.put("t2/videos/vid_other/source.mp4", Buffer.from("keep me"));
    expect(await blobs.list(prefix)).toHaveLength(1006);
    expect(await blobs.deletePrefix(prefix)).toBe(1006);
    expect(await blobs.list(prefix)).toEqual([]);
    expect(await blobs.stat("t2/videos/vid_other/source.mp4")).toMatchObject({ size: 7 });
  });

  it("gives browsers presigned URLs, and ffprobe one it reads the source through", async () => {
    const key = "t3/videos/vid_d/source.mp4";
    const video = await readFile(await colourVideo());
    await blobs.put(key, video, { contentType: "video/mp4" });
    const url = await blobs.url(key);
    expect(url).toMatch(/X-Amz-Signature=/);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(video)).toBe(true);
    const source = await blobs.source(key);
    expect(source).toMatch(/X-Amz-Expires=43200/);
    const info = await probe(source, { maxBytes: 100 * MiB, maxDurationSec: 600 });
    expect(info.durationSec).toBeCloseTo(20, 0);
    expect([info.width, info.height]).toEqual([320, 240]);
    await expect(blobs.source("t3/videos/vid_none/source.mp4")).rejects.toThrow(/no object/);
  });
});

describe("S3 multipart upload targets on fauxqs", () => {
  const subject = (id: string, sizeBytes: number) => ({ id, blobKey: `t4/videos/${id}/source.mp4`, contentType: "video/mp4", sizeBytes });

  it("sizes parts within S3's limits", () => {
    expect(partSize(100)).toBe(16 * MiB);
    expect(partSize(1024 ** 4)).toBeGreaterThanOrEqual(1024 ** 4 / 10_000);
    expect(Math.ceil(1024 ** 4 / partSize(1024 ** 4))).toBeLessThanOrEqual(10_000);
    expect(partSize(100, 1 * MiB)).toBe(5 * MiB);
  });

  it("presigns a PUT per part; the parts' ETags assemble the file", async () => {
    const file = randomBytes(12 * MiB + 123);
    const video = subject("vid_up", file.length);
    const target = await uploads.start(video);
    if (target.kind !== "multipart") throw new Error("expected a multipart target");
    expect(target.partBytes).toBe(5 * MiB);
    expect(target.parts.map((p) => p.partNumber)).toEqual([1, 2, 3]);
    // Parts may go in any order, and one may be sent twice.
    const sent = await Promise.all(
      [...target.parts].reverse().map(async (part) => {
        const body = file.subarray((part.partNumber - 1) * target.partBytes, part.partNumber * target.partBytes);
        const response = await fetch(part.url, { method: "PUT", body });
        expect(response.status).toBe(200);
        return { partNumber: part.partNumber, etag: response.headers.get("etag")! };
      }),
    );
    await expect(uploads.complete(video, sent.slice(1))).rejects.toMatchObject({ code: "upload.parts_mismatch" });
    await expect(uploads.complete(video, undefined)).rejects.toMatchObject({ code: "upload.parts_required", status: 400 });
    await uploads.complete(video, sent);
    expect((await blobs.stat(video.blobKey))?.size).toBe(file.length);
    expect((await text(await blobs.get(video.blobKey))).equals(file)).toBe(true);
    // The bookkeeping object is gone: only the file is left under the video.
    expect(await blobs.list("t4/videos/vid_up/")).toEqual([video.blobKey]);
  });

  it("aborts an unfinished upload and forgets it", async () => {
    const video = subject("vid_abort", 6 * MiB);
    const target = await uploads.start(video);
    if (target.kind !== "multipart") throw new Error("expected a multipart target");
    await fetch(target.parts[0]!.url, { method: "PUT", body: randomBytes(5 * MiB) });
    await uploads.abort(video);
    expect(await blobs.list("t4/videos/vid_abort/")).toEqual([]);
    // Completing afterwards finds nothing to assemble (the API then reports the missing file).
    await uploads.complete(video, [{ partNumber: 1, etag: "x" }]);
    expect(await blobs.stat(video.blobKey)).toBeUndefined();
  });
});
