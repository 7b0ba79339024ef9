/**
 * The stage the rehearsal deploys to, on this machine: the emulators (fauxqs for S3, SQS and SNS,
 * the Pinecone-protocol server, PostgreSQL, cognito-local) with the resources CloudFormation
 * would create in them, and each function's environment pointing at them.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { openTestDatabase, type TestDatabase } from "../packages/core/test/cloud/support/cloud-env.js";
import { startCognitoLocal, type CognitoLocal } from "../packages/core/test/support/cognito-local.js";
import { startFauxqs, type Fauxqs } from "../packages/core/test/support/fauxqs.js";
import { startPineconeServer, type PineconeServer } from "../packages/core/test/support/pinecone-server.js";
import type { BuiltApp } from "./build.js";
import { functionEnvironment, type LocalResources } from "./environment.js";

const ROOT = path.resolve(import.meta.dirname, "..");

/** The bench's ViT-B/32-sized model, served by a local hub under this id: the real model's size and cost. */
export const MODEL = "vos-rehearsal/clip-vit-b32-random";
export const TENANT = "acme";
export const USER = { email: "ada@example.com", password: "Rehearsal-Passw0rd!" };

export interface Stage {
  revision: string;
  fauxqs: Fauxqs;
  pinecone: PineconeServer;
  database: TestDatabase;
  cognito: CognitoLocal;
  local: LocalResources;
  names: { uploads: string; frames: string; jobs: string; jobsUrl: string; deadLettersUrl: string };
  stop(): Promise<void>;
}

/** The worker image's model settings (its Dockerfile's ENV), with /opt/vos/models inside `dir`. */
export function workerModel(dir: string, revision: string): Record<string, string> {
  return { VOS_CLIP_MODEL: MODEL, VOS_CLIP_REVISION: revision, VOS_MODEL_CACHE: path.join(dir, "opt-vos-models"), VOS_CLIP_DEVICE: "cpu", VOS_DETECTOR: "centernet" };
}

/** Starts the emulators and creates what the stage's stacks would: buckets, queues, the alerts topic, a user. */
export async function startStage(revision: string): Promise<Stage> {
  const [fauxqs, pinecone, database, cognito] = await Promise.all([startFauxqs(), startPineconeServer(), openTestDatabase({ migrate: false }), startCognitoLocal()]);
  const names = { uploads: "rehearsal-uploads", frames: "rehearsal-frames", jobs: "rehearsal-jobs" };
  fauxqs.bucket(names.uploads);
  fauxqs.bucket(names.frames);
  const jobs = fauxqs.queue(names.jobs, { deadLetters: "rehearsal-dead-letters", maxReceiveCount: 4, visibilityTimeoutSec: 360 });
  fauxqs.queue("rehearsal-alerts-inbox");
  const { topicArn } = fauxqs.server.createTopic("rehearsal-alerts");
  fauxqs.server.subscribe({ topic: "rehearsal-alerts", queue: "rehearsal-alerts-inbox" });
  await cognito.createUser({ email: USER.email, password: USER.password, tenant: TENANT });
  Object.assign(process.env, fauxqs.env);
  const local: LocalResources = {
    tokens: {
      VOS_UPLOADS_BUCKET: names.uploads,
      VOS_FRAMES_BUCKET: names.frames,
      VOS_JOBS_QUEUE_URL: jobs.url,
      VOS_DEAD_LETTER_QUEUE_URL: jobs.deadLettersUrl!,
      VOS_ALERTS_TOPIC_ARN: topicArn,
      VOS_AUTH_ISSUER: cognito.issuer,
      VOS_AUTH_CLIENT_ID: cognito.clientId,
      // ECS is not emulated: the dispatcher starts worker processes (see dispatchEnvironment).
      VOS_ECS_CLUSTER: "rehearsal-cluster",
      VOS_FARGATE_TASK_DEFINITION: "rehearsal-worker:1",
      VOS_GPU_TASK_DEFINITION: "rehearsal-worker-gpu:1",
      VOS_GPU_CAPACITY_PROVIDER: "rehearsal-gpu",
      VOS_TASK_SUBNETS: "subnet-rehearsal",
      VOS_TASK_SECURITY_GROUPS: "sg-rehearsal",
    },
    common: {
      ...fauxqs.env,
      VOS_DATABASE_URL: database.url,
      VOS_PINECONE_CONTROLLER_HOST: pinecone.url,
      PINECONE_API_KEY: pinecone.apiKey,
      VOS_AUTH_ENDPOINT: cognito.endpoint,
      VOS_LOG_LEVEL: "info",
    },
  };
  return {
    revision,
    fauxqs,
    pinecone,
    database,
    cognito,
    local,
    names: { ...names, jobsUrl: jobs.url, deadLettersUrl: jobs.deadLettersUrl! },
    async stop() {
      await Promise.allSettled([cognito.stop(), pinecone.close(), fauxqs.stop()]);
      await database.close();
    },
  };
}

/**
 * The dispatcher's environment, plus what its worker processes need: the worker task
 * definition's environment (as ECS would start the container) and the image's ENV, with the
 * path `sst dev` takes for local workers (VOS_DEV_WORKERS=local) pointed at the image folder.
 */
export function dispatchEnvironment(app: BuiltApp, stage: Stage, workerDir: string): Record<string, string> {
  const task = app.tasks.find((t) => t.logicalId.startsWith("FargateWorker"));
  if (!task) throw new Error("no FargateWorker task definition in the Workers stack");
  const taskEnv = functionEnvironment({ name: "fargate worker", environment: task.environment, layers: [] }, stage.local);
  const ffmpeg = createRequire(path.join(ROOT, "packages/cli/package.json"));
  return {
    ...taskEnv,
    ...functionEnvironment(app.functions.find((f) => f.name === "dispatch")!, stage.local),
    ...workerModel(workerDir, stage.revision),
    VOS_MODEL_DOWNLOAD: "off",
    FFMPEG_PATH: (ffmpeg("@ffmpeg-installer/ffmpeg") as { path: string }).path,
    FFPROBE_PATH: (ffmpeg("@ffprobe-installer/ffprobe") as { path: string }).path,
    IS_LOCAL: "true",
    VOS_DEV_WORKERS: "local",
    VOS_DEV_WORKER_DIR: workerDir,
  };
}
