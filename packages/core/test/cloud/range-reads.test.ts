/**
 * ffprobe and ffmpeg read an upload in S3 through its presigned URL with range requests: a
 * segment's job seeks straight to its part of the file (a request starting there, never the
 * whole file from its start), and finds the very frames it finds in a local copy. A proxy in
 * front of the S3 emulator records where each read starts and can refuse reads, as S3 does once
 * a URL has expired: a read that fails over the network is an error to retry, never
 * `media.corrupt`, and its message does not carry the URL's signature. (Bytes are not counted:
 * on loopback the sockets' buffers hold more than this small file.)
 */
import { stat } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3BlobStore } from "../../src/blob/s3.js";
import type { BlobStore } from "../../src/blob/index.js";
import { isVisibleError } from "../../src/error.js";
import { probe, sampleFrames, type MediaInfo, type SampledFrame, type SampleFramesOptions } from "../../src/media/index.js";
import { startFauxqs, type Fauxqs } from "../support/fauxqs.js";
import { boundaryVideo } from "../support/videos.js";

const LIMITS = { maxBytes: 1024 ** 3, maxDurationSec: 3600 };
const KEY = "t1/videos/vid_range/source.mp4";

let fauxqs: Fauxqs;
let proxy: Server;
/** Where each GET through the proxy started reading (its Range start; 0 without one). */
let starts: number[] = [];
let refuse = false;
let blobs: BlobStore;
let file: string;
let size: number;

beforeAll(async () => {
  fauxqs = await startFauxqs();
  const target = new URL(fauxqs.endpoint);
  proxy = createServer((incoming, outgoing) => {
    if (refuse && incoming.method === "GET") {
      incoming.resume();
      outgoing.writeHead(403, { "content-type": "application/xml" }).end("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>");
      return;
    }
    if (incoming.method === "GET") starts.push(Number(/bytes=(\d+)-/.exec(incoming.headers.range ?? "")?.[1] ?? 0));
    const forward = request({ host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    // A reader that hangs up stops the transfer, as with S3.
    outgoing.on("close", () => forward.destroy());
    forward.on("error", () => outgoing.destroy());
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const s3 = new S3Client({
    region: "us-east-1",
    endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  blobs = createS3BlobStore({ s3, uploadsBucket: fauxqs.bucket("range-uploads"), framesBucket: fauxqs.bucket("range-frames") });
  file = await boundaryVideo();
  size = (await stat(file)).size;
  await s3.send(new PutObjectCommand({ Bucket: "range-uploads", Key: KEY, Body: await import("node:fs/promises").then((fs) => fs.readFile(file)) }));
});
afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await fauxqs?.stop();
});

async function collect(input: string, info: MediaInfo, options: SampleFramesOptions): Promise<SampledFrame[]> {
  const frames: SampledFrame[] = [];
  for await (const frame of sampleFrames(input, info, options)) frames.push(frame);
  return frames;
}
const strip = (frames: SampledFrame[]) => frames.map((f) => ({ frameNo: f.frameNo, timeSec: f.timeSec, reason: f.reason, rgb: f.rgb.toString("base64") }));

describe("reading an upload in S3 through its presigned URL", () => {
  it("probes through the URL, and decodes a segment by seeking straight to its part of the file, the same frames as a local file gives", async () => {
    const source = await blobs.source(KEY);
    expect(source).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/range-uploads\//);

    const info = await probe(source, LIMITS);
    expect(info).toEqual(await probe(file, LIMITS));

    // The last 30 s of 90, from its lead-in (10 s before): ffmpeg seeks into the file's second half.
    const options = { width: 64, fps: 1, dedup: false, range: { startSec: 60, endSec: Infinity, leadInSec: 50, firstFrameNo: 2_000_000 } };
    starts = [];
    const remote = await collect(source, info, options);
    expect(strip(remote)).toEqual(strip(await collect(file, info, options)));
    expect(remote.length).toBeGreaterThanOrEqual(30);
    const segmentStarts = starts;
    expect(segmentStarts.some((start) => start > size * 0.4 && start < size * 0.9)).toBe(true);

    starts = [];
    const whole = await collect(source, info, { width: 64, fps: 1, dedup: false });
    expect(whole.length).toBeGreaterThan(remote.length);
    expect(strip(whole.slice(-remote.length))).toEqual(strip(remote).map((frame, i) => ({ ...frame, frameNo: whole[whole.length - remote.length + i]!.frameNo })));
    console.info(JSON.stringify({ test: "range reads", fileBytes: size, segmentReadStarts: segmentStarts, wholeReadStarts: starts }));
  }, 120_000);

  it("retries a read S3 refuses (an expired URL) instead of failing the video, and keeps the signature out of the message", async () => {
    const source = await blobs.source(KEY);
    const info = await probe(source, LIMITS);
    refuse = true;
    try {
      const refusedProbe = await probe(source, LIMITS).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isVisibleError(refusedProbe)).toBe(false);
      expect(String(refusedProbe)).toMatch(/Could not read the video from storage .*HTTP 403/);
      expect(String(refusedProbe)).not.toMatch(/Signature/);

      const refusedDecode = await collect(source, info, { width: 64, fps: 1 }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(isVisibleError(refusedDecode)).toBe(false);
      expect(String(refusedDecode)).toMatch(/Could not read the video from storage .*403/);
      expect(String(refusedDecode)).not.toMatch(/Signature/);
    } finally {
      refuse = false;
    }
    // Nobody listening: the same.
    const gone = await probe("http://127.0.0.1:9/range-uploads/t1/videos/vid_range/source.mp4?X-Amz-Signature=secret", LIMITS).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isVisibleError(gone)).toBe(false);
    expect(String(gone)).toMatch(/Could not read the video from storage/);
    expect(String(gone)).not.toMatch(/secret/);
  }, 60_000);
});
