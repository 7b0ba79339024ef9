import { ECSClient } from "@aws-sdk/client-ecs";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { VisibleError } from "../../error.js";
import { createLogger, setLogLevel, type Logger } from "../../log.js";
import type { Services } from "../../services.js";
import { modelLoaders, settingsFrom } from "../shared.js";
import { createSnsAlerts, type Alerts } from "./alerts.js";
import { required, type CloudConfig } from "./config.js";
import { openCloudDatabase, POOL_SIZE } from "./database.js";
import { createEcsTaskLauncher } from "../../launcher/ecs.js";
import type { JobControl } from "./job-control.js";
import { createPineconeStore, type RetryOptions } from "../../vector/pinecone.js";
import { createS3BlobStore } from "../../blob/s3.js";
import { createS3UploadTargets } from "../../uploads/s3-multipart.js";
import { createSqsJobQueue, type SqsJobQueue } from "../../queue/sqs.js";
import type { TaskLauncher } from "../../launcher/task-launcher.js";

export interface CloudRuntimeOptions {
  log?: Logger;
  /** Where the Pinecone key comes from when PINECONE_API_KEY is unset (Lambda: the SST secret). */
  pineconeApiKey?: () => Promise<string>;
  /** Replaces the ECS launcher (the cloud mode on one machine runs workers as processes). */
  launcher?: TaskLauncher;
  /** Database connections; default: one in Lambda functions, a few in worker tasks. */
  poolSize?: number;
  /** Where models are downloaded to when VOS_MODEL_CACHE is unset (Lambda: under /tmp). */
  modelCacheDir?: string;
  pineconeRetry?: RetryOptions;
}

export interface CloudRuntime {
  config: CloudConfig;
  services: Services;
  queue: SqsJobQueue;
  launcher: TaskLauncher | undefined;
  alerts: Alerts | undefined;
  /** What dispatch, task-events and the reconciler work with. */
  control(): JobControl;
  close(): Promise<void>;
}

/** A port this role did not configure: using it says which variables it needs. */
function unavailable<T extends object>(what: string, variables: string): T {
  return new Proxy({} as T, {
    get: (_target, property) =>
      property === "then"
        ? undefined
        : () => {
            throw new VisibleError("config.invalid", `${what} is not configured for this function: set ${variables}.`, 503, false);
          },
  });
}

/**
 * The composition root of the AWS runtime (each Lambda handler, the worker task): postgres.js to
 * RDS, S3 for files and uploads, SQS for jobs, Pinecone for vectors, ECS for worker tasks. It
 * builds what the role's configuration has; the AWS SDK finds credentials and any local endpoint
 * (AWS_ENDPOINT_URL) itself.
 */
export async function startCloudRuntime(config: CloudConfig, options: CloudRuntimeOptions = {}): Promise<CloudRuntime> {
  setLogLevel(config.logLevel);
  const log = options.log ?? createLogger({ runtime: "cloud", role: config.role });
  const aws = { region: config.region };
  const lazily = <T>(make: () => T) => {
    let value: T | undefined;
    return () => (value ??= make());
  };
  // Checksums only where S3 requires them: otherwise presigned part URLs would carry the checksum
  // of an empty body, and S3 would refuse the browser's parts.
  const s3 = lazily(
    () => new S3Client({ ...aws, forcePathStyle: Boolean(config.endpointUrl), requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" }),
  );
  // Queue URLs name their own host; with one local endpoint for everything, that endpoint wins.
  const sqs = lazily(() => new SQSClient({ ...aws, ...(config.endpointUrl ? { useQueueUrlAsEndpoint: false } : {}) }));
  const secrets = lazily(() => new SecretsManagerClient(aws));

  const source = required(config.database, "The database", "VOS_DATABASE_SECRET_ARN or VOS_DATABASE_URL");
  const poolSize = options.poolSize ?? (config.role === "worker" ? POOL_SIZE.task : POOL_SIZE.lambda);
  const database = await openCloudDatabase(source, { secrets, poolSize });

  const queue = createSqsJobQueue(sqs(), {
    queueUrl: required(config.queues.jobs, "The jobs queue", "VOS_JOBS_QUEUE_URL"),
    ...(config.queues.deadLetters ? { deadLetterQueueUrl: config.queues.deadLetters } : {}),
  });
  const storage = config.storage;
  const pinecone = config.pinecone;
  const apiKey = pinecone?.apiKey ?? options.pineconeApiKey;
  const launcher = options.launcher ?? (config.ecs ? createEcsTaskLauncher(new ECSClient(aws), config.ecs) : undefined);
  const alerts = config.alertsTopicArn ? createSnsAlerts(new SNSClient(aws), config.alertsTopicArn) : undefined;
  const modelCacheDir = config.modelCacheDir ?? options.modelCacheDir;

  const services: Services = {
    db: database.db,
    blobs: storage
      ? createS3BlobStore({ s3: s3(), uploadsBucket: storage.uploadsBucket, framesBucket: storage.framesBucket })
      : unavailable("File storage", "VOS_UPLOADS_BUCKET and VOS_FRAMES_BUCKET"),
    uploads: storage ? createS3UploadTargets({ s3: s3(), bucket: storage.uploadsBucket }) : unavailable("File storage", "VOS_UPLOADS_BUCKET"),
    queue,
    vectors:
      pinecone && apiKey
        ? createPineconeStore({
            apiKey,
            index: pinecone.index,
            ...(pinecone.host ? { host: pinecone.host } : {}),
            ...(pinecone.controllerHost ? { controllerHost: pinecone.controllerHost } : {}),
            ...(options.pineconeRetry ? { retry: options.pineconeRetry } : {}),
            // Another model's index (a re-index) is made where the deploy makes the first.
            create: { cloud: pinecone.cloud, region: pinecone.region },
            log,
          })
        : unavailable("Pinecone", pinecone ? "PINECONE_API_KEY" : "VOS_PINECONE_INDEX and PINECONE_API_KEY"),
    ...modelLoaders(config, modelCacheDir),
    settings: settingsFrom(config),
    log,
  };

  return {
    config,
    services,
    queue,
    launcher,
    alerts,
    control: () => ({
      services,
      queue,
      ...(launcher ? { launcher } : {}),
      ...(alerts ? { alerts } : {}),
      maxTasks: config.maxTasks,
      log,
    }),
    async close() {
      await database.close();
    },
  };
}
