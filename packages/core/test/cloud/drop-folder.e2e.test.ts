/**
 * The drop folder end to end on one machine: files put under `incoming/<tenant>/` in the uploads
 * bucket (fauxqs) are found by the stand-in for S3's events, registered by the intake code, and
 * processed by the real worker entry (a child process) with the generated test model.
 */
import { readFile } from "node:fs/promises";
import { HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOneMachineCloud, type OneMachineCloud } from "../../src/runtime/cloud/one-machine.js";
import * as Video from "../../src/video/index.js";
import { testModelDir } from "../support/test-model.js";
import { colourVideo } from "../support/videos.js";
import { startCloudTestEnvironment, type CloudTestEnvironment } from "./support/cloud-env.js";

let env: CloudTestEnvironment;
let cloud: OneMachineCloud;
let s3: S3Client;
const workerLines: string[] = [];

beforeAll(async () => {
  env = await startCloudTestEnvironment({
    dimension: 16, // the generated model's projection size
    env: { VOS_CLIP_MODEL: await testModelDir(), VOS_DEDUP: "false", VOS_SAMPLE_FPS: "1", VOS_EMBED_BATCH: "4", VOS_DETECTOR: "off", VOS_LOG_LEVEL: "warn" },
  });
  Object.assign(process.env, env.env);
  cloud = await startOneMachineCloud(env.env, { pollMs: 100, dropFolderPollMs: 200, workerOutput: (line) => workerLines.push(line) });
  s3 = new S3Client({ region: "us-east-1", endpoint: env.fauxqs.endpoint, forcePathStyle: true });
});
afterAll(async () => {
  s3?.destroy();
  await cloud?.stop();
  await env?.close();
});

const svc = () => cloud.api.services;
const put = (key: string, body: Uint8Array) => s3.send(new PutObjectCommand({ Bucket: env.names.uploads, Key: key, Body: body }));
const exists = (key: string) =>
  s3.send(new HeadObjectCommand({ Bucket: env.names.uploads, Key: key })).then(
    () => true,
    () => false,
  );
const videosAt = (tenantId: string, key: string) =>
  svc().db.select().from(Video.videoTable).where(and(eq(Video.videoTable.tenantId, tenantId), eq(Video.videoTable.blobKey, key)));

/** The video registered from `key`, once it is ready or failed. */
async function settled(tenantId: string, key: string, timeoutMs = 120_000): Promise<Video.VideoView> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [row] = await videosAt(tenantId, key);
    if (row && (row.status === "ready" || row.status === "failed")) return Video.get(svc(), tenantId, row.id);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no settled video for ${key} within ${timeoutMs} ms; worker output:\n${workerLines.join("\n")}`);
}

describe("drop folder on one machine", () => {
  it("processes a video put under incoming/acme/ to ready, as a video of tenant acme, once", async () => {
    const key = "incoming/acme/holiday/clip.mp4";
    const file = await readFile(await colourVideo());
    await put(key, file);
    const video = await settled("acme", key);
    expect(video, workerLines.join("\n")).toMatchObject({ status: "ready", title: "holiday/clip.mp4", filename: "clip.mp4", frameCount: 20, error: null, job: { attempts: 1 } });
    expect([...env.pinecone.vectors(env.names.index, "acme").keys()].filter((id) => id.startsWith(video.id))).toHaveLength(20);
    expect(await exists(key)).toBe(true);

    // `aws s3 cp` of the same file again, and further listings: still one video, never re-processed.
    await put(key, file);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rows = await videosAt("acme", key);
    expect(rows.map((r) => [r.id, r.status])).toEqual([[video.id, "ready"]]);
    expect(env.fauxqs.messages(env.names.jobs)).toEqual([]);
  }, 180_000);

  it("fails a text file named .mp4 with its reason, on the video", async () => {
    const key = "incoming/acme/notes/readme.mp4";
    await put(key, Buffer.from("These are holiday notes, not a video.\n"));
    const video = await settled("acme", key);
    expect(video).toMatchObject({ status: "failed", error: { code: "media.not_a_video", message: expect.stringContaining("not a video") }, retryable: false });
    // Bad input: its file is removed, as an upload's would be.
    expect(await exists(key)).toBe(false);
  }, 180_000);
});
