/**
 * The drop folder's intake against fauxqs (S3, SQS) and PostgreSQL: each message is the SQS
 * record body the intake function receives on AWS (S3's EventBridge event), handled by the same
 * code. Processing to ready runs in drop-folder.e2e.test.ts.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleIntake, intakeOf, intakeSqsEvent, objectCreatedEvent, type Intake, type IntakeRecord } from "../../src/runtime/cloud/intake.js";
import { startCloudRuntime, type CloudRuntime } from "../../src/runtime/cloud/runtime.js";
import * as Job from "../../src/job/index.js";
import * as Video from "../../src/video/index.js";
import { colourVideo } from "../support/videos.js";
import { startCloudTestEnvironment, type CloudTestEnvironment } from "./support/cloud-env.js";

const MAX_UPLOAD = 1_000_000;
let env: CloudTestEnvironment;
let runtime: CloudRuntime;
let intake: Intake;
let s3: S3Client;
let clip: Buffer;

beforeAll(async () => {
  env = await startCloudTestEnvironment({ env: { VOS_MAX_UPLOAD_BYTES: String(MAX_UPLOAD), VOS_LOG_LEVEL: "error" } });
  runtime = await startCloudRuntime(env.config("intake"));
  intake = intakeOf(runtime);
  s3 = new S3Client({ region: "us-east-1", endpoint: env.fauxqs.endpoint, forcePathStyle: true });
  clip = await readFile(await colourVideo());
});
afterAll(async () => {
  s3?.destroy();
  await runtime?.close();
  await env?.close();
});

const svc = () => runtime.services;

/** Puts a file as `aws s3 cp` would; returns its ETag as S3 reports it. */
async function put(key: string, body: Uint8Array, bucket = env.names.uploads): Promise<{ key: string; sizeBytes: number; etag: string }> {
  const { ETag } = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return { key, sizeBytes: body.length, etag: ETag! };
}

/** The intake queue's messages for these objects, as EventBridge sends them. */
const records = (objects: Array<{ key: string; sizeBytes: number; etag: string }>, bucket = env.names.uploads): IntakeRecord[] =>
  intakeSqsEvent(bucket, objects).Records.map(({ messageId, body }) => ({ messageId, body }));

const videosAt = (tenantId: string, key: string) =>
  svc().db.select().from(Video.videoTable).where(and(eq(Video.videoTable.tenantId, tenantId), eq(Video.videoTable.blobKey, key)));

const jobMessagesFor = (videoId: string) => env.fauxqs.messages(env.names.jobs).filter((m) => (JSON.parse(m.body) as { videoId: string }).videoId === videoId);

const exists = (key: string) =>
  s3.send(new HeadObjectCommand({ Bucket: env.names.uploads, Key: key })).then(
    () => true,
    () => false,
  );

describe("drop folder intake", () => {
  it("registers a dropped video under its tenant, queues its job, and leaves the file where it is", async () => {
    const object = await put("incoming/acme/holiday/clip.mp4", clip);
    const result = await handleIntake(intake, records([object]));
    expect(result.failed).toEqual([]);
    expect(result.outcomes).toEqual([expect.objectContaining({ outcome: "queued", key: object.key, videoId: expect.stringMatching(/^vid_/) })]);
    const [video] = await videosAt("acme", object.key);
    expect(video).toMatchObject({ tenantId: "acme", title: "holiday/clip.mp4", filename: "clip.mp4", status: "queued", sizeBytes: clip.length, sourceEtag: object.etag.replaceAll('"', "") });
    const job = (await Job.latestForVideos(svc().db, [video!.id])).get(video!.id);
    expect(job).toMatchObject({ tenantId: "acme", status: "queued" });
    expect(jobMessagesFor(video!.id).map((m) => JSON.parse(m.body))).toEqual([{ jobId: job!.id, videoId: video!.id, tenantId: "acme" }]);
    // The API shows it like any upload, playable from its key.
    const shown = await Video.get(svc(), "acme", video!.id);
    expect(shown.playbackUrl).toContain(`/${env.names.uploads}/incoming/acme/holiday/clip.mp4?`);
    expect(await exists(object.key)).toBe(true);
  });

  it("registers the same file once: the event delivered twice, the same bytes put again, deliveries racing", async () => {
    const key = "incoming/acme/twice/clip.mp4";
    const first = await put(key, clip);
    const [message] = records([first]);
    expect((await handleIntake(intake, [message!])).outcomes[0]?.outcome).toBe("queued");
    // At-least-once delivery: the very same message again.
    expect((await handleIntake(intake, [message!])).outcomes[0]).toMatchObject({ outcome: "duplicate" });
    // `aws s3 cp` of the same file again: same ETag, a new event.
    const again = await put(key, clip);
    expect(again.etag).toBe(first.etag);
    const racing = await Promise.all([handleIntake(intake, records([again])), handleIntake(intake, records([again]))]);
    expect(racing.flatMap((r) => r.outcomes.map((o) => o.outcome))).toEqual(["duplicate", "duplicate"]);
    const videos = await videosAt("acme", key);
    expect(videos).toHaveLength(1);
    expect(jobMessagesFor(videos[0]!.id)).toHaveLength(1);
  });

  it("registers a file whose first deliveries race, once", async () => {
    const object = await put("incoming/acme/race/clip.mp4", clip);
    const results = await Promise.all([1, 2, 3].map(() => handleIntake(intake, records([object]))));
    const outcomes = results.flatMap((r) => r.outcomes.map((o) => o.outcome)).sort();
    expect(outcomes.filter((o) => o === "queued").length).toBeGreaterThanOrEqual(1);
    expect(outcomes.every((o) => o === "queued" || o === "duplicate")).toBe(true);
    const videos = await videosAt("acme", object.key);
    expect(videos).toHaveLength(1);
    expect(jobMessagesFor(videos[0]!.id)).toHaveLength(1);
  });

  it("finds keys with spaces and unicode, as EventBridge sends them and URL-encoded as S3 notifications do", async () => {
    const key = "incoming/acme/my holiday/été 2024 + friends.mp4";
    const object = await put(key, clip);
    const raw = await handleIntake(intake, records([object]));
    expect(raw.outcomes[0]).toMatchObject({ outcome: "queued", key });
    const encoded = "incoming/acme/my+holiday/%C3%A9t%C3%A9+2024+%2B+friends.mp4";
    const again = await handleIntake(intake, records([{ ...object, key: encoded }]));
    expect(again.outcomes[0]).toMatchObject({ outcome: "duplicate", key, videoId: raw.outcomes[0]!.videoId });
    const [video] = await videosAt("acme", key);
    expect(video).toMatchObject({ filename: "été 2024 + friends.mp4", title: "my holiday/été 2024 + friends.mp4" });
  });

  it("registers files that cannot be processed as failed videos with their reason, and queues nothing for them", async () => {
    const cases = [
      { key: "incoming/acme/bad/empty.mp4", body: new Uint8Array(), code: "upload.empty" },
      { key: "incoming/acme/bad/huge.mp4", body: randomBytes(MAX_UPLOAD + 1), code: "upload.too_large" },
      { key: "incoming/acme/bad/anim.gif", body: Buffer.from("GIF89a"), code: "upload.unsupported_container" },
    ];
    for (const { key, body, code } of cases) {
      const object = await put(key, body);
      const result = await handleIntake(intake, records([object]));
      expect(result.failed, key).toEqual([]);
      expect(result.outcomes[0], key).toMatchObject({ outcome: "failed", reason: expect.stringContaining(code) });
      const [video] = await videosAt("acme", key);
      expect(video, key).toMatchObject({ status: "failed", errorCode: code, errorMessage: expect.any(String) });
      const shown = await Video.get(svc(), "acme", video!.id);
      expect(shown.error?.code, key).toBe(code);
      expect(jobMessagesFor(video!.id), key).toEqual([]);
      // Delivered again: still one failed video.
      expect((await handleIntake(intake, records([object]))).outcomes[0]?.outcome, key).toBe("duplicate");
    }
  });

  it("skips what is not a drop, or names no valid tenant, each with its reason and without a retry", async () => {
    const outside = await put("elsewhere/acme/clip.mp4", clip);
    const noTenant = await put("incoming/clip.mp4", clip);
    const badTenant = await put("incoming/Acme_Corp/clip.mp4", clip);
    const longTenant = await put(`incoming/${"a".repeat(64)}/clip.mp4`, clip);
    const folder = await put("incoming/acme/new folder/", new Uint8Array());
    const otherBucket = await put("incoming/acme/clip.mp4", clip, env.names.frames);
    const result = await handleIntake(intake, [...records([outside, noTenant, badTenant, longTenant, folder]), ...records([otherBucket], env.names.frames)]);
    expect(result.failed).toEqual([]);
    expect(result.outcomes.map((o) => [o.outcome, o.reason])).toEqual([
      ["ignored", expect.stringContaining("outside the drop folder")],
      ["rejected", expect.stringContaining("names no tenant")],
      ["rejected", expect.stringContaining("'Acme_Corp' in 'incoming/Acme_Corp/clip.mp4' is not a tenant id")],
      ["rejected", expect.stringContaining("is not a tenant id")],
      ["ignored", expect.stringContaining("folder marker")],
      ["ignored", expect.stringContaining(`bucket '${env.names.frames}' is not the uploads bucket`)],
    ]);
    const registered = await svc().db.select().from(Video.videoTable).where(eq(Video.videoTable.blobKey, "incoming/Acme_Corp/clip.mp4"));
    expect(registered).toEqual([]);
  });

  it("leaves the API uploads of a tenant named 'incoming' alone", async () => {
    const upload = await Video.create(svc(), "incoming", { filename: "own.mp4", sizeBytes: clip.length, contentType: "video/mp4" });
    expect(upload.blobKey).toMatch(/^incoming\/videos\//);
    const object = await put(upload.blobKey, clip);
    const result = await handleIntake(intake, records([object]));
    expect(result.outcomes[0]).toMatchObject({ outcome: "ignored", reason: expect.stringContaining("tenant 'incoming' keeps its API uploads") });
    expect(await videosAt("videos", upload.blobKey)).toEqual([]);
  });

  it("reports a malformed message as a batch item failure, for the dead-letter queue and its alarm", async () => {
    const good = await put("incoming/acme/mixed/clip.mp4", clip);
    const [ok] = records([good]);
    const bad = [
      { messageId: "not-json", body: "{not json" },
      { messageId: "no-detail", body: JSON.stringify({ source: "aws.s3", "detail-type": "Object Created" }) },
    ];
    const result = await handleIntake(intake, [bad[0]!, ok!, bad[1]!]);
    expect(result.failed).toEqual(["not-json", "no-detail"]);
    expect(result.outcomes.map((o) => o.outcome)).toEqual(["malformed", "queued", "malformed"]);
    // Another kind of event on the queue is not an error: nothing to register, nothing to retry.
    const deleted = { ...objectCreatedEvent(env.names.uploads, good), "detail-type": "Object Deleted" };
    expect(await handleIntake(intake, [{ messageId: "deleted", body: JSON.stringify(deleted) }])).toMatchObject({ failed: [], outcomes: [{ outcome: "ignored" }] });
  });

  it("skips an object deleted before its event came", async () => {
    const object = await put("incoming/acme/gone/clip.mp4", clip);
    await s3.send(new DeleteObjectCommand({ Bucket: env.names.uploads, Key: object.key }));
    const result = await handleIntake(intake, records([object]));
    expect(result).toMatchObject({ failed: [], outcomes: [{ outcome: "gone" }] });
    expect(await videosAt("acme", object.key)).toEqual([]);
  });

  it("treats a new ETag at a key as a new version: a new video replaces the earlier one, and the file stays", async () => {
    const key = "incoming/acme/versions/clip.mp4";
    const first = await handleIntake(intake, records([await put(key, clip)]));
    const firstId = first.outcomes[0]!.videoId!;
    const edited = Buffer.concat([clip, Buffer.from("edited")]);
    const second = await put(key, edited);
    const result = await handleIntake(intake, records([second]));
    expect(result.outcomes[0]).toMatchObject({ outcome: "queued" });
    const videos = await videosAt("acme", key);
    expect(videos.map((v) => [v.id === firstId, v.sizeBytes])).toEqual([[false, edited.length]]);
    expect(await Video.find(svc(), firstId)).toBeUndefined();
    expect(await exists(key)).toBe(true);
    // The old version's event arriving late registers nothing: S3 holds the new one.
    const late = records([{ key, sizeBytes: clip.length, etag: "etag-of-the-first-version" }]);
    expect((await handleIntake(intake, late)).outcomes[0]?.outcome).toBe("duplicate");
  });

  it("deletes the dropped file with its video", async () => {
    const object = await put("incoming/acme/delete-me/clip.mp4", clip);
    const { outcomes } = await handleIntake(intake, records([object]));
    const removed = await Video.remove(svc(), "acme", outcomes[0]!.videoId!);
    expect(removed.blobs).toBe(1);
    expect(await exists(object.key)).toBe(false);
    // Dropped again after the delete: a new video.
    const again = await put(object.key, clip);
    expect((await handleIntake(intake, records([again]))).outcomes[0]).toMatchObject({ outcome: "queued" });
  });
});
