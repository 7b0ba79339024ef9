/**
 * Everything the cloud runtime talks to, on this machine: fauxqs for S3, SQS and SNS, the
 * Pinecone-protocol server, and PostgreSQL (the real server at VOS_TEST_DATABASE_URL when set,
 * else PGlite behind a Postgres socket), with the environment variables that point the runtime at
 * them. Shared by the core, functions and end-to-end tests of the cloud runtime.
 */
import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { loadCloudConfig, type CloudConfig, type CloudRole } from "../../../src/runtime/cloud/config.js";
import { migrateCloudDatabase } from "../../../src/runtime/cloud/database.js";
import { startFauxqs, useFauxqsEnvironment, type Fauxqs } from "../../support/fauxqs.js";
import { startPineconeServer, type PineconeServer } from "../../support/pinecone-server.js";
import { servePglite } from "./pglite-server.js";

export interface TestDatabase {
  url: string;
  name: string;
  close(): Promise<void>;
}

/**
 * A migrated, empty database reachable by URL (so worker processes can connect too): a fresh
 * database on the real server, dropped on close, or an in-memory PGlite served on a socket that
 * many connections can share.
 */
export async function openTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const real = process.env.VOS_TEST_DATABASE_URL;
  let database: TestDatabase;
  if (real) {
    const admin = postgres(real, { max: 1, onnotice: () => {} });
    const name = `vos_cloud_${randomBytes(5).toString("hex")}`;
    await admin.unsafe(`CREATE DATABASE ${name}`);
    const url = new URL(real);
    url.pathname = `/${name}`;
    database = {
      url: url.toString(),
      name: "postgresql server",
      async close() {
        await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      },
    };
  } else {
    const pg = await PGlite.create();
    const server = await servePglite(pg);
    database = {
      url: server.url,
      name: "pglite over a socket",
      async close() {
        await server.close();
        await pg.close();
      },
    };
  }
  if (options.migrate ?? true) {
    await migrateCloudDatabase({ kind: "url", url: database.url }, () => {
      throw new Error("no secret in tests");
    });
  }
  return database;
}

export interface CloudTestEnvironment {
  fauxqs: Fauxqs;
  pinecone: PineconeServer;
  database: TestDatabase;
  /** The variables a deployed function would get, pointing at the local services. */
  env: Record<string, string>;
  names: { uploads: string; frames: string; jobs: string; deadLetters: string; alerts: string; index: string };
  config(role: CloudRole, overrides?: Record<string, string>): CloudConfig;
  close(): Promise<void>;
}

export async function startCloudTestEnvironment(options: { dimension?: number; env?: Record<string, string>; pineconeApiKey?: string } = {}): Promise<CloudTestEnvironment> {
  const [fauxqs, pinecone, database] = await Promise.all([
    startFauxqs(),
    startPineconeServer(options.pineconeApiKey ? { apiKey: options.pineconeApiKey } : {}),
    openTestDatabase(),
  ]);
  useFauxqsEnvironment(fauxqs);
  const names = { uploads: "vos-uploads", frames: "vos-frames", jobs: "vos-jobs", deadLetters: "vos-dead-letters", alerts: "vos-alerts-inbox", index: "vos-test" };
  fauxqs.bucket(names.uploads);
  fauxqs.bucket(names.frames);
  const jobs = fauxqs.queue(names.jobs, { deadLetters: names.deadLetters, maxReceiveCount: 5 });
  fauxqs.queue(names.alerts);
  const { topicArn } = fauxqs.server.createTopic("vos-alerts");
  fauxqs.server.subscribe({ topic: "vos-alerts", queue: names.alerts, attributes: { RawMessageDelivery: "true" } });
  pinecone.createIndex(names.index, options.dimension ?? 4);

  const env: Record<string, string> = {
    ...fauxqs.env,
    VOS_DATABASE_URL: database.url,
    VOS_UPLOADS_BUCKET: names.uploads,
    VOS_FRAMES_BUCKET: names.frames,
    VOS_JOBS_QUEUE_URL: jobs.url,
    VOS_DEAD_LETTER_QUEUE_URL: jobs.deadLettersUrl!,
    VOS_ALERTS_TOPIC_ARN: topicArn,
    VOS_PINECONE_INDEX: names.index,
    VOS_PINECONE_CONTROLLER_HOST: pinecone.url,
    PINECONE_API_KEY: pinecone.apiKey,
    VOS_ECS_CLUSTER: "vos-workers",
    VOS_FARGATE_TASK_DEFINITION: "vos-worker-cpu:3",
    VOS_GPU_TASK_DEFINITION: "vos-worker-gpu:3",
    VOS_GPU_CAPACITY_PROVIDER: "vos-gpu",
    VOS_TASK_SUBNETS: "subnet-a,subnet-b",
    VOS_TASK_SECURITY_GROUPS: "sg-worker",
    VOS_LOG_LEVEL: process.env.VOS_LOG_LEVEL ?? "warn",
    // One tenant, no sign-in: the JWT path has its own tests against a Cognito emulator.
    VOS_AUTH: "off",
    ...options.env,
  };
  return {
    fauxqs,
    pinecone,
    database,
    env,
    names,
    config: (role, overrides = {}) => loadCloudConfig({ ...env, ...overrides }, role),
    async close() {
      await Promise.allSettled([fauxqs.stop(), pinecone.close()]);
      await database.close();
    },
  };
}
