import { readFile } from "node:fs/promises";
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Video } from "@vos/core";
import { intakeSqsEvent, startCloudRuntime, type CloudRuntime } from "@vos/core/runtime/cloud";
import type { SQSEvent } from "aws-lambda";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCloudTestEnvironment, type CloudTestEnvironment } from "../../core/test/cloud/support/cloud-env.js";
import { colourVideo } from "../../core/test/support/videos.js";
import { handler } from "../src/intake.js";

// S3, SQS and PostgreSQL are real; the handler reaches the database through a forward the test
// takes down, so connections are refused as when the database is unreachable.
let env: CloudTestEnvironment;
let forward: Forward;
let inspect: CloudRuntime;
let s3: S3Client;
let clip: Buffer;

beforeAll(async () => {
  env = await startCloudTestEnvironment({ env: { VOS_LOG_LEVEL: "error" } });
  const database = new URL(env.database.url);
  forward = await startForward({ host: database.hostname, port: Number(database.port) });
  database.hostname = "127.0.0.1";
  database.port = String(forward.port);
  Object.assign(process.env, env.env, { VOS_DATABASE_URL: database.toString() });
  inspect = await startCloudRuntime(env.config("api"));
  s3 = new S3Client({ region: "us-east-1", endpoint: env.fauxqs.endpoint, forcePathStyle: true });
  clip = await readFile(await colourVideo());
});
afterAll(async () => {
  s3?.destroy();
  await inspect?.close();
  await forward?.down();
  await env?.close();
});

async function dropped(key: string) {
  const { ETag } = await s3.send(new PutObjectCommand({ Bucket: env.names.uploads, Key: key, Body: clip }));
  return { key, sizeBytes: clip.length, etag: ETag! };
}
const sqsEvent = (objects: Array<{ key: string; sizeBytes: number; etag: string }>): SQSEvent => intakeSqsEvent(env.names.uploads, objects);
const videosAt = (key: string) => inspect.services.db.select().from(Video.videoTable).where(eq(Video.videoTable.blobKey, key));

describe("intake handler", () => {
  it("registers the dropped files of an SQS batch and reports no failures", async () => {
    const objects = [await dropped("incoming/acme/lambda/a.mp4"), await dropped("incoming/globex/lambda/b.mp4")];
    expect(await handler(sqsEvent(objects))).toEqual({ batchItemFailures: [] });
    expect((await videosAt(objects[0]!.key)).map((v) => [v.tenantId, v.status])).toEqual([["acme", "queued"]]);
    expect((await videosAt(objects[1]!.key)).map((v) => [v.tenantId, v.status])).toEqual([["globex", "queued"]]);
  });

  it("reports every record as a batch item failure while the database is unreachable, and registers them once it is back", async () => {
    const objects = [await dropped("incoming/acme/outage/a.mp4"), await dropped("incoming/acme/outage/b.mp4")];
    const event = sqsEvent(objects);
    await forward.down();
    try {
      const response = await handler(event);
      expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(event.Records.map((r) => r.messageId));
    } finally {
      await forward.up();
    }
    for (const object of objects) expect(await videosAt(object.key)).toEqual([]);
    // SQS delivers the same records again.
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    for (const object of objects) expect((await videosAt(object.key)).map((v) => v.status)).toEqual(["queued"]);
  });

  it("fails only the malformed record of a batch; a bad tenant is logged and dropped", async () => {
    const good = await dropped("incoming/acme/batch/ok.mp4");
    const badTenant = await dropped("incoming/NOT_A_TENANT/batch/x.mp4");
    const event = sqsEvent([good, badTenant]);
    const malformed = { ...event.Records[0]!, messageId: "malformed-1", body: '{"detail-type":"Object Created"' };
    const response = await handler({ Records: [...event.Records, malformed] });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "malformed-1" }] });
    expect(await videosAt(good.key)).toHaveLength(1);
    expect(await videosAt(badTenant.key)).toEqual([]);
  });
});

interface Forward {
  port: number;
  /** Stops listening and drops open connections: new ones are refused. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
}

/** A TCP forward to the database that can stop listening (a refused connection fails at once). */
async function startForward(target: { host: string; port: number }): Promise<Forward> {
  const open = new Set<Socket>();
  let server: Server | undefined;
  const listen = (port: number) =>
    new Promise<number>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          open.add(socket);
          socket.on("error", () => {});
          socket.on("close", () => open.delete(socket));
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, "127.0.0.1", () => resolve((server!.address() as AddressInfo).port));
    });
  const port = await listen(0);
  return {
    port,
    down: () =>
      new Promise<void>((resolve) => {
        server?.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
    up: async () => {
      await listen(port);
    },
  };
}
