/**
 * The drop folder's intake on AWS: S3 sends "Object Created" events of the uploads bucket to
 * EventBridge, a rule puts those under `incoming/` on the intake queue, and the intake function
 * registers each object as a video (Video.registerDrop). On one machine, a listing loop feeds the
 * same code with the same messages (one-machine.ts).
 */
import { createHash, randomUUID } from "node:crypto";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { errorMessage } from "../../error.js";
import type { Logger } from "../../log.js";
import type { Services } from "../../services.js";
import * as Video from "../../video/index.js";
import { required } from "./config.js";
import type { CloudRuntime } from "./runtime.js";

/** The part of S3's EventBridge event the intake reads; the rest (`time`, `requester`, ...) may be anything. */
const objectCreatedSchema = z.object({
  source: z.string(),
  "detail-type": z.string(),
  detail: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({ key: z.string().min(1) }),
  }),
});

/** S3's "Object Created" event as EventBridge delivers it (the intake queue's message body). */
export interface ObjectCreatedEvent {
  version: "0";
  id: string;
  "detail-type": "Object Created";
  source: "aws.s3";
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    version: "0";
    bucket: { name: string };
    /** `key` is the object's key as is (EventBridge does not URL-encode it, unlike S3 notifications). */
    object: { key: string; size: number; etag: string; sequencer: string; "version-id"?: string };
    "request-id": string;
    requester: string;
    "source-ip-address": string;
    reason: "PutObject" | "POST Object" | "CopyObject" | "CompleteMultipartUpload";
  };
}

export interface Intake {
  services: Services;
  /** The uploads bucket: events of any other bucket are not drops. */
  bucket: string;
  s3: S3Client;
  log: Logger;
}

const intakes = new WeakMap<CloudRuntime, Intake>();

/** The intake of a runtime (built once per runtime: one S3 client). */
export function intakeOf(runtime: CloudRuntime): Intake {
  let intake = intakes.get(runtime);
  if (!intake) {
    const { config } = runtime;
    const storage = required(config.storage, "File storage", "VOS_UPLOADS_BUCKET and VOS_FRAMES_BUCKET");
    const s3 = new S3Client({ region: config.region, ...(config.endpointUrl ? { endpoint: config.endpointUrl, forcePathStyle: true } : {}) });
    intake = { services: runtime.services, bucket: storage.uploadsBucket, s3, log: runtime.services.log };
    intakes.set(runtime, intake);
  }
  return intake;
}

export interface IntakeRecord {
  messageId: string;
  body: string;
}

export type IntakeOutcome = {
  messageId: string;
  /**
   * queued / failed (a failed video) / duplicate: registered; ignored: not a drop (another folder,
   * a folder marker, another bucket or event); rejected: a drop with no valid tenant; gone: the
   * object was deleted before its event came; malformed: not an S3 event at all; retry: a
   * transient error. Only malformed and retry are reported as batch item failures: retried, then
   * dead-lettered (which raises the alarm).
   */
  outcome: "queued" | "failed" | "duplicate" | "ignored" | "rejected" | "gone" | "malformed" | "retry";
  key?: string;
  videoId?: string;
  reason?: string;
};

export interface IntakeResult {
  /** Message ids to report as batch item failures. */
  failed: string[];
  outcomes: IntakeOutcome[];
}

const isNotFound = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "NotFound" || e?.name === "NoSuchKey" || e?.$metadata?.httpStatusCode === 404;
};

/**
 * Keys to look for: the key as EventBridge sends it, then its form-decoding (`+` for space,
 * `%XX`), which is how S3 notifications send keys; one event source or the other, the object is
 * found.
 */
function keyCandidates(key: string): string[] {
  try {
    const decoded = decodeURIComponent(key.replace(/\+/g, " "));
    return decoded === key ? [key] : [key, decoded];
  } catch {
    return [key];
  }
}

async function head(intake: Intake, key: string): Promise<Video.DroppedObject | undefined> {
  for (const candidate of keyCandidates(key)) {
    try {
      const found = await intake.s3.send(new HeadObjectCommand({ Bucket: intake.bucket, Key: candidate }));
      return {
        key: candidate,
        sizeBytes: found.ContentLength ?? 0,
        etag: found.ETag ?? "",
        ...(found.ContentType ? { contentType: found.ContentType } : {}),
      };
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  return undefined;
}

async function intakeOne(intake: Intake, record: IntakeRecord): Promise<Omit<IntakeOutcome, "messageId">> {
  let event: z.infer<typeof objectCreatedSchema>;
  try {
    event = objectCreatedSchema.parse(JSON.parse(record.body));
  } catch (error) {
    const why = error instanceof z.ZodError ? error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ") : errorMessage(error);
    return { outcome: "malformed", reason: `not an S3 event from EventBridge (${why.slice(0, 300)})` };
  }
  if (event.source !== "aws.s3" || event["detail-type"] !== "Object Created") {
    return { outcome: "ignored", reason: `a ${event.source} '${event["detail-type"]}' event, not an S3 'Object Created' one` };
  }
  const { key } = event.detail.object;
  if (event.detail.bucket.name !== intake.bucket) return { outcome: "ignored", key, reason: `bucket '${event.detail.bucket.name}' is not the uploads bucket` };
  const parsed = Video.parseDropKey(key);
  if (!parsed.ok) return { outcome: parsed.outcome, key, reason: parsed.reason };

  const object = await head(intake, key);
  if (!object) {
    for (const candidate of keyCandidates(key)) await Video.forgetDrop(intake.services, candidate);
    return { outcome: "gone", key, reason: "the object was deleted before its event was handled" };
  }
  const result = await Video.registerDrop(intake.services, object);
  if (!result.ok) return { outcome: result.outcome, key: object.key, reason: result.reason };
  if (result.outcome === "duplicate") return { outcome: "duplicate", key: object.key, videoId: result.videoId };
  return {
    outcome: result.outcome,
    key: object.key,
    videoId: result.video.id,
    ...(result.video.error ? { reason: `${result.video.error.code}: ${result.video.error.message}` } : {}),
  };
}

/** What went wrong, first: a database driver's cause before the query text that wraps it. */
function transientReason(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause;
  const message = errorMessage(error).split("\n")[0]!.slice(0, 160);
  return cause ? `${errorMessage(cause)} (${message})` : message;
}

/**
 * Handles a batch of intake messages one by one. Each ends registered, skipped with its reason
 * (logged; retrying would not change it), or failed for SQS to deliver again: a transient error
 * (database, queue) or a malformed message, which the dead-letter queue and its alarm catch
 * after a few deliveries. After a transient error the rest of the batch is handed back untried:
 * the database or queue is likely down for them too, and each try could wait out a connection
 * timeout (every step is idempotent, so trying again later is safe).
 */
export async function handleIntake(intake: Intake, records: IntakeRecord[]): Promise<IntakeResult> {
  const result: IntakeResult = { failed: [], outcomes: [] };
  let transient: string | undefined;
  for (const record of records) {
    let outcome: IntakeOutcome;
    if (transient) {
      outcome = { messageId: record.messageId, outcome: "retry", reason: `not tried: an earlier file of the batch failed (${transient.slice(0, 200)})` };
    } else {
      try {
        outcome = { messageId: record.messageId, ...(await intakeOne(intake, record)) };
      } catch (error) {
        transient = transientReason(error);
        outcome = { messageId: record.messageId, outcome: "retry", reason: transient };
      }
    }
    result.outcomes.push(outcome);
    if (outcome.outcome === "malformed" || outcome.outcome === "retry") result.failed.push(record.messageId);
    const { outcome: what, ...fields } = outcome;
    if (what === "malformed" || what === "retry") intake.log.error(`drop folder: ${what} message, delivered again`, fields);
    else if (what === "rejected") intake.log.warn("drop folder: file rejected", fields);
    else intake.log.info(`drop folder: ${what}`, fields);
  }
  return result;
}

// ---- rehearsal: the messages AWS delivers ---------------------------------------------------

/** The object an event describes; the ETag with or without S3's quotes. */
export interface EventObject {
  key: string;
  sizeBytes: number;
  etag: string;
}

/** S3's EventBridge "Object Created" event for an object (the shape AWS documents). */
export function objectCreatedEvent(
  bucket: string,
  object: EventObject,
  options: { region?: string; account?: string; time?: Date; reason?: ObjectCreatedEvent["detail"]["reason"] } = {},
): ObjectCreatedEvent {
  const time = options.time ?? new Date();
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Object Created",
    source: "aws.s3",
    account: options.account ?? "000000000000",
    time: time.toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: options.region ?? "us-east-1",
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: "0",
      bucket: { name: bucket },
      object: { key: object.key, size: object.sizeBytes, etag: object.etag.replaceAll('"', ""), sequencer: time.getTime().toString(16).toUpperCase().padStart(18, "0") },
      "request-id": randomUUID().replaceAll("-", "").slice(0, 16).toUpperCase(),
      requester: options.account ?? "000000000000",
      "source-ip-address": "127.0.0.1",
      reason: options.reason ?? (/-\d+$/.test(object.etag.replaceAll('"', "")) ? "CompleteMultipartUpload" : "PutObject"),
    },
  };
}

/** An SQS record as Lambda's event source mapping hands it over (aws-lambda's SQSRecord). */
export interface IntakeSqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: { ApproximateReceiveCount: string; SentTimestamp: string; SenderId: string; ApproximateFirstReceiveTimestamp: string };
  messageAttributes: Record<string, never>;
  md5OfBody: string;
  eventSource: "aws:sqs";
  eventSourceARN: string;
  awsRegion: string;
}

/**
 * The event the intake function receives when objects are put in the drop folder: one SQS record
 * per object whose body is S3's EventBridge event (the rule's SQS target sends the event as is).
 * For tests and rehearsals that drive the built handler.
 */
export function intakeSqsEvent(
  bucket: string,
  objects: EventObject[],
  options: { queueArn?: string; region?: string; receiveCount?: number } = {},
): { Records: IntakeSqsRecord[] } {
  const region = options.region ?? "us-east-1";
  const now = String(Date.now());
  return {
    Records: objects.map((object) => {
      const body = JSON.stringify(objectCreatedEvent(bucket, object, { region }));
      const messageId = randomUUID();
      return {
        messageId,
        receiptHandle: `rehearsal-${messageId}`,
        body,
        attributes: { ApproximateReceiveCount: String(options.receiveCount ?? 1), SentTimestamp: now, SenderId: "AIDAEVENTBRIDGE", ApproximateFirstReceiveTimestamp: now },
        messageAttributes: {},
        md5OfBody: createHash("md5").update(body).digest("hex"),
        eventSource: "aws:sqs",
        eventSourceARN: options.queueArn ?? `arn:aws:sqs:${region}:000000000000:intake`,
        awsRegion: region,
      };
    }),
  };
}
