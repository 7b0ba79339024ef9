/**
 * The real `vos` process uploading to the AWS runtime on one machine: the API served over HTTP
 * (as API Gateway would), S3 multipart through presigned part URLs (fauxqs behind a gate that
 * counts part bytes, refuses expired URLs and can answer 503), SQS, the Pinecone protocol and
 * PostgreSQL, with worker tasks as processes. Covers a 200 MB file, a kill mid-upload and its
 * resume, expired URLs renewed through `POST /api/videos/{id}/upload/parts`, and a stale record.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Video } from "@vos/core";
import { createS3UploadTargets, startOneMachineCloud, type OneMachineCloud } from "@vos/core/runtime/cloud";
import { createApi } from "@vos/functions/api/app";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCloudTestEnvironment, type CloudTestEnvironment } from "../../core/test/cloud/support/cloud-env.js";
import { testModelDir } from "../../core/test/support/test-model.js";
import { jsonOf, runVos, spawnVos } from "./support/cli.js";
import { paddedVideo, sha256Of, type PaddedVideo } from "./support/padded-video.js";
import { startS3Gate, type S3Gate } from "./support/s3-gate.js";
import { serveApi, type ServedApi } from "./support/served-api.js";

const MiB = 1024 * 1024;
/**
 * The S3 adapter's part size for these tests. Deployed it is 16 MiB, but fauxqs takes request
 * bodies of at most 11 MiB, so the API here runs the same adapter with its `preferredPartBytes`
 * option at 8 MiB.
 */
const PART = 8 * MiB;

interface Result {
  videoId: string | null;
  status: string;
  frames: number;
  error?: { code: string; message: string };
}
interface UploadRecord {
  videoId: string;
  targetIssuedAt: number;
  target: { kind: string; uploadId: string; parts: { partNumber: number; url: string }[] };
}

let env: CloudTestEnvironment;
let gate: S3Gate;
let cloud: OneMachineCloud;
let api: ServedApi;
let dir: string;
let cli: Record<string, string>;
let s3: S3Client;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vos-multipart-"));
  env = await startCloudTestEnvironment({
    dimension: 16,
    env: { VOS_CLIP_MODEL: await testModelDir(), VOS_DEDUP: "false", VOS_SAMPLE_FPS: "1", VOS_EMBED_BATCH: "4", VOS_DETECTOR: "off", VOS_LOG_LEVEL: "warn" },
  });
  // Every AWS call, presigned URLs included, goes through the gate.
  gate = await startS3Gate(env.fauxqs.endpoint);
  env.env.AWS_ENDPOINT_URL = gate.url;
  Object.assign(process.env, env.env);
  cloud = await startOneMachineCloud(env.env, { pollMs: 100 });
  const signer = new S3Client({
    endpoint: gate.url,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const uploads = createS3UploadTargets({ s3: signer, bucket: env.names.uploads, preferredPartBytes: PART });
  api = await serveApi(createApi({ services: { ...cloud.api.services, uploads }, tenantOf: () => "local" }));
  cli = { VOS_API_URL: api.url, VOS_CONFIG_DIR: path.join(dir, "config") };
  s3 = new S3Client({ endpoint: env.fauxqs.endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
}, 60_000);
afterAll(async () => {
  s3?.destroy();
  await api?.close();
  await cloud?.stop();
  await gate?.close();
  await env?.close();
  await rm(dir, { recursive: true, force: true });
});

const key = (videoId: string, file: string) => Video.sourceKey("local", videoId, path.basename(file));
const storedHash = async (videoId: string, file: string) => sha256Of(await cloud.api.services.blobs.get(key(videoId, file)));
const recordsDir = () => path.join(cli.VOS_CONFIG_DIR!, "uploads");
async function records(): Promise<{ json: string; parts: string }[]> {
  const names = await readdir(recordsDir()).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith(".json")).map((n) => ({ json: path.join(recordsDir(), n), parts: path.join(recordsDir(), n.replace(/\.json$/, ".parts")) }));
}
const partLines = async (file: string) => (await readFile(file, "utf8").catch(() => "")).split("\n").filter(Boolean).length;

/**
 * Starts `vos ingest` and SIGKILLs it once its resume record holds `afterParts` stored parts
 * (the gate holds each part a little, so the kill lands with parts still to send). Answers the
 * record as the killed process left it.
 */
async function killMidUpload(video: PaddedVideo, afterParts: number): Promise<{ record: UploadRecord; recordFile: string; recordedBytes: number }> {
  gate.partDelayMs = 150;
  const child: ChildProcess = spawnVos(["ingest", video.file, "--json"], cli);
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [found] = await records();
    if (found && (await partLines(found.parts)) >= afterParts) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`vos ingest ended before ${afterParts} parts were stored:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  child.kill("SIGKILL");
  expect(await exited).toBe("SIGKILL");
  // Parts whose bytes all arrived before the kill still reach S3: they count as sent before it.
  await gate.settled();
  gate.partDelayMs = 0;
  const [found] = await records();
  const record = JSON.parse(await readFile(found!.json, "utf8")) as UploadRecord;
  const recorded = (await readFile(found!.parts, "utf8")).split("\n").filter(Boolean).map((line) => (JSON.parse(line) as { partNumber: number }).partNumber);
  expect(recorded.length).toBeLessThan(record.target.parts.length);
  const recordedBytes = recorded.reduce((sum, n) => sum + Math.min(PART, video.size - (n - 1) * PART), 0);
  return { record, recordFile: found!.json, recordedBytes };
}

const videoStatus = async (id: string) => (await fetch(`${api.url}/api/videos/${id}`)).json() as Promise<{ status: string; code?: string }>;
/** Deletes a video whose upload is all a test checks: its processing (a worker task reading 40-120 MB) would only take CPU from the other tests. */
const discard = async (id: string) => expect((await fetch(`${api.url}/api/videos/${id}`, { method: "DELETE" })).status).toBe(200);
const renewCalls = (id: string) => api.requests.filter((r) => r === `POST /api/videos/${id}/upload/parts`).length;

describe("vos ingest against the AWS runtime (S3 multipart through presigned URLs)", () => {
  it("uploads a 200 MB video in parallel parts, retries a 503, and the video becomes ready", async () => {
    const video = await paddedVideo(dir, "large.mp4", 200 * 1000 * 1000);
    const from = gate.parts.length;
    gate.failNextParts(2);
    const started = Date.now();
    const run = await runVos(["ingest", video.file, "--wait", "--json", "--concurrency", "4"], cli, { timeoutMs: 150_000 });
    const took = Date.now() - started;
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const [result] = jsonOf<Result[]>(run);
    expect(result).toMatchObject({ status: "ready", frames: 20 });
    const id = result!.videoId!;

    // 24 parts of 8 MiB (the last shorter), each stored once; the two refused were sent again.
    const puts = gate.parts.slice(from);
    const partCount = Math.ceil(video.size / PART);
    expect(partCount).toBe(24);
    expect(puts.filter((p) => p.status === 503)).toHaveLength(2);
    expect(puts.filter((p) => p.status === 200).map((p) => p.partNumber).sort((a, b) => a - b)).toEqual(Array.from({ length: partCount }, (_, i) => i + 1));
    expect(gate.storedBytes(from)).toBe(video.size);

    // The assembled object is the file, byte for byte, made of those parts.
    const head = await s3.send(new HeadObjectCommand({ Bucket: env.names.uploads, Key: key(id, video.file) }));
    expect(head.ContentLength).toBe(video.size);
    expect(head.ETag).toMatch(new RegExp(`-${partCount}"?$`));
    expect(await storedHash(id, video.file)).toBe(video.sha256);
    // Nothing is left to resume.
    expect(await records()).toEqual([]);
    console.info(`200 MB multipart ingest to ready: ${took} ms (${((video.size / MiB / took) * 1000).toFixed(0)} MiB/s end to end)`);
  }, 180_000);

  it("resumes a killed upload: the same video, only the missing parts sent, the same bytes stored", async () => {
    const video = await paddedVideo(dir, "resume.mp4", 120 * 1000 * 1000);
    const { record, recordedBytes } = await killMidUpload(video, 2);
    expect((await videoStatus(record.videoId)).status).toBe("uploading");

    const from = gate.parts.length;
    const run = await runVos(["ingest", video.file, "--json"], cli, { timeoutMs: 90_000 });
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const [result] = jsonOf<Result[]>(run);
    expect(result).toMatchObject({ videoId: record.videoId, status: "queued" });
    expect(run.stderr).toContain(`resuming ${record.videoId}`);

    // Exactly the parts the record did not hold went out again: fewer bytes than the file.
    const resent = gate.storedBytes(from);
    expect(resent).toBe(video.size - recordedBytes);
    expect(resent).toBeLessThan(video.size);
    expect(renewCalls(record.videoId)).toBe(0); // its URLs were fresh
    expect(await storedHash(record.videoId, video.file)).toBe(video.sha256);
    const listed = (await (await fetch(`${api.url}/api/videos`)).json()) as { videos: { id: string; filename: string }[] };
    expect(listed.videos.filter((v) => v.filename === "resume.mp4").map((v) => v.id)).toEqual([record.videoId]);
    expect(await records()).toEqual([]);
    await discard(record.videoId);
  }, 120_000);

  it("renews part URLs that expired since the kill (S3 answers 403) through the re-issue route", async () => {
    const video = await paddedVideo(dir, "expired.mp4", 50 * 1000 * 1000);
    const { record } = await killMidUpload(video, 1);
    // Every URL signed so far is past its time now; X-Amz-Date counts whole seconds.
    gate.expireSignedBefore(Date.now());
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const refusedBefore = gate.expiredRefusals;

    const run = await runVos(["ingest", video.file, "--json"], cli, { timeoutMs: 90_000 });
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(jsonOf<Result[]>(run)[0]).toMatchObject({ videoId: record.videoId, status: "queued" });
    expect(gate.expiredRefusals).toBeGreaterThan(refusedBefore);
    // One renewal served every part that found its URL expired.
    expect(renewCalls(record.videoId)).toBe(1);
    expect(await storedHash(record.videoId, video.file)).toBe(video.sha256);
    await discard(record.videoId);
  }, 120_000);

  it("renews URLs before using them when the record is older than they live", async () => {
    const video = await paddedVideo(dir, "old-record.mp4", 40 * 1000 * 1000);
    const { record, recordFile } = await killMidUpload(video, 1);
    await writeFile(recordFile, JSON.stringify({ ...record, targetIssuedAt: Date.now() - 2 * 3600_000 }));
    gate.expireSignedBefore(Date.now());
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const refusedBefore = gate.expiredRefusals;

    const run = await runVos(["ingest", video.file, "--json"], cli, { timeoutMs: 90_000 });
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(jsonOf<Result[]>(run)[0]).toMatchObject({ videoId: record.videoId, status: "queued" });
    expect(gate.expiredRefusals).toBe(refusedBefore); // no stale URL was tried
    expect(renewCalls(record.videoId)).toBe(1);
    expect(await storedHash(record.videoId, video.file)).toBe(video.sha256);
    await discard(record.videoId);
  }, 120_000);

  it("starts over cleanly when the recorded video was deleted meanwhile", async () => {
    const video = await paddedVideo(dir, "stale.mp4", 40 * 1000 * 1000);
    const { record } = await killMidUpload(video, 1);
    expect((await fetch(`${api.url}/api/videos/${record.videoId}`, { method: "DELETE" })).status).toBe(200);

    const run = await runVos(["ingest", video.file, "--json"], cli, { timeoutMs: 90_000 });
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const [result] = jsonOf<Result[]>(run);
    expect(result!.videoId).not.toBe(record.videoId);
    expect(result!.status).toBe("queued");
    expect(run.stderr).toContain("starting over");
    expect(await videoStatus(record.videoId)).toMatchObject({ code: "video.not_found" });
    expect(await storedHash(result!.videoId!, video.file)).toBe(video.sha256);
    expect(await records()).toEqual([]);
    await discard(result!.videoId!);
  }, 120_000);

  it("re-issues part URLs only for a video still uploading", async () => {
    const post = (p: string, body?: unknown) =>
      fetch(`${api.url}${p}`, { method: "POST", headers: { "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const created = (await (await post("/api/videos", { filename: "renew.mp4", sizeBytes: 40 * MiB, contentType: "video/mp4" })).json()) as {
      video: { id: string };
      upload: { kind: string; uploadId: string; parts: { partNumber: number; url: string }[] };
    };
    const renewed = await post(`/api/videos/${created.video.id}/upload/parts`);
    expect(renewed.status).toBe(200);
    const { upload } = (await renewed.json()) as { upload: typeof created.upload };
    // The same multipart upload, every part presigned again.
    expect(upload).toMatchObject({ kind: "multipart", uploadId: created.upload.uploadId });
    expect(upload.parts.map((p) => p.partNumber)).toEqual([1, 2, 3, 4, 5]);
    for (const part of upload.parts) expect(part.url).toContain(`uploadId=${encodeURIComponent(created.upload.uploadId)}`);

    const unknown = await post("/api/videos/vid_nope/upload/parts");
    expect({ status: unknown.status, code: ((await unknown.json()) as { code: string }).code }).toEqual({ status: 404, code: "video.not_found" });

    const listed = (await (await fetch(`${api.url}/api/videos`)).json()) as { videos: { id: string; status: string; filename: string }[] };
    const ready = listed.videos.find((v) => v.filename === "large.mp4" && v.status === "ready");
    expect(ready).toBeDefined();
    const refused = await post(`/api/videos/${ready!.id}/upload/parts`);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: "video.invalid_state", message: expect.stringContaining("is ready") });
  });
});
