/**
 * The worker's two ECS task definitions (Fargate for CPU jobs, EC2 for GPU jobs), their roles and
 * log group: what one worker task is, apart from where it runs (./gpu-capacity.ts) and who starts
 * it (./job-control.ts). Part of the Workers stack: the constructs are made in its scope with the
 * ids it always used, so their CloudFormation logical ids do not change.
 */
import { Duration } from "aws-cdk-lib";
import { Platform } from "aws-cdk-lib/aws-ecr-assets";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import * as ssm from "aws-cdk-lib/aws-ssm";
import { use, type Stack } from "sst/constructs";
import { getParameterPath } from "sst/constructs/util/binding.js";
import { useProject } from "sst/project.js";
import { Database } from "../Database.js";
import { Jobs } from "../Jobs.js";
import { objectsOf, suppress } from "../nag.js";
import { Secrets } from "../Secrets.js";
import { Storage } from "../Storage.js";

/** Name of the container in both worker task definitions (the dispatcher overrides it). */
export const WORKER_CONTAINER = "worker";

/** What the unused task definitions of an `sst dev` stage with local workers point at. */
export const UNUSED_DEV_IMAGE = "public.ecr.aws/docker/library/node:22-bookworm-slim";

/**
 * Kept out of the worker images' build context on top of the repository's .dockerignore (which
 * CDK reads too): files of the infrastructure and the docs, so changing a stack or a README does
 * not rebuild the images.
 */
export const WORKER_IMAGE_EXCLUDES = [".sst.config.*", "sst.config.ts", "cdk.json", "cdk.context.json", "vitest.config.ts", "**/*.md"];

/**
 * What a worker does in the buckets: reads the video, writes thumbnails; on a permanent failure
 * removes what it made (and a bad upload). The local dispatcher of `sst dev`, which runs the
 * workers as processes, needs the same.
 */
export const WORKER_BUCKET_ACCESS = { uploads: ["s3:GetObject", "s3:DeleteObject"], frames: ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"] };

export interface WorkerTasksOptions {
  /** The workers' environment: the runtime's settings and the alerts topic. */
  environment: Record<string, string>;
  /** `sst dev` runs jobs as local processes: the task definitions stay unused. */
  localWorkers: boolean;
}

export interface WorkerTasks {
  fargateTask: ecs.FargateTaskDefinition;
  gpuTask: ecs.Ec2TaskDefinition;
  /** What a running worker may do. */
  taskRole: iam.Role;
  /** What ECS may do to start one. */
  executionRole: iam.Role;
}

export function workerTaskDefinitions(stack: Stack, { environment, localWorkers }: WorkerTasksOptions): WorkerTasks {
  const prod = stack.stage === "prod";
  const { settings, PINECONE_API_KEY } = use(Secrets);
  const { secret } = use(Database);
  const storage = use(Storage);
  const { queue, deadLetters, allowAlerts } = use(Jobs);
  const root = useProject().paths.root;

  const workerLogs = new logs.LogGroup(stack, "WorkerLogs", {
    retention: prod ? logs.RetentionDays.ONE_MONTH : logs.RetentionDays.ONE_WEEK,
  });
  const taskRole = new iam.Role(stack, "WorkerTaskRole", {
    assumedBy: new iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
    description: "What a worker task may do: read uploads, write frames, read the database secret, queue its job",
  });
  // Besides the buckets, a worker hands its job back to the queue or dead-letters it.
  storage.allow(taskRole, WORKER_BUCKET_ACCESS);
  secret.grantRead(taskRole);
  queue.grantSendMessages(taskRole);
  deadLetters.grantSendMessages(taskRole);
  allowAlerts(taskRole);
  suppress(taskRole, [
    {
      id: "AwsSolutions-IAM5",
      reason: "Object keys are made per video at run time; a worker reads and removes uploaded videos and writes and removes frame images, in these two buckets only.",
      appliesTo: [...objectsOf("Uploads"), ...objectsOf("Frames")],
    },
  ]);
  const executionRole = new iam.Role(stack, "WorkerExecutionRole", {
    assumedBy: new iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
    description: "What ECS may do to start a worker: pull the image, write logs, read the Pinecone key",
  });

  // The SST secret lives in SSM as a SecureString; ECS reads it when the task starts, so the key
  // never appears in the task definition.
  const pineconeKeyParameter = ssm.StringParameter.fromSecureStringParameterAttributes(stack, "PineconeApiKeyParameter", {
    parameterName: getParameterPath(PINECONE_API_KEY, "value"),
  });
  const container = (image: ecs.ContainerImage): ecs.ContainerDefinitionOptions => ({
    containerName: WORKER_CONTAINER,
    image,
    // ECS sets no region inside EC2 tasks; the runtime needs it everywhere.
    environment: { ...environment, AWS_REGION: stack.region },
    secrets: { PINECONE_API_KEY: ecs.Secret.fromSsmParameter(pineconeKeyParameter) },
    logging: ecs.LogDrivers.awsLogs({ logGroup: workerLogs, streamPrefix: WORKER_CONTAINER }),
    // Time to commit the current checkpoint after SIGTERM.
    stopTimeout: Duration.seconds(120),
  });
  // With local workers the task definitions point at a public Node image instead of images built
  // from the working tree, so `sst dev` needs no Docker. Otherwise the image bakes the model the
  // functions are configured with, so tasks never download it.
  const image = (file: string) =>
    localWorkers ? ecs.ContainerImage.fromRegistry(UNUSED_DEV_IMAGE) : ecs.ContainerImage.fromAsset(root, {
      file,
      exclude: WORKER_IMAGE_EXCLUDES,
      platform: Platform.LINUX_AMD64,
      buildArgs: { CLIP_MODEL: settings.clipModel, CLIP_REVISION: settings.clipRevision },
    });

  const fargateTask = new ecs.FargateTaskDefinition(stack, "FargateWorker", {
    cpu: settings.workerCpu,
    memoryLimitMiB: settings.workerMemory,
    // No disk beyond Fargate's default: ffmpeg reads the source from S3 through range requests.
    runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    taskRole,
    executionRole,
  });
  fargateTask.addContainer(WORKER_CONTAINER, container(image("packages/worker/Dockerfile")));

  const gpuTask = new ecs.Ec2TaskDefinition(stack, "GpuWorker", {
    networkMode: ecs.NetworkMode.AWS_VPC,
    taskRole,
    executionRole,
  });
  gpuTask.addContainer(WORKER_CONTAINER, {
    ...container(image("packages/worker/Dockerfile.gpu")),
    gpuCount: 1,
    cpu: 2048,
    memoryReservationMiB: 8192,
  });

  for (const task of [fargateTask, gpuTask]) {
    suppress(task, [
      {
        id: "AwsSolutions-ECS2",
        reason: "The worker's environment holds only resource names (buckets, queues, secret ARN, index, model id); the one secret, the Pinecone key, is injected from SSM.",
      },
    ]);
  }
  suppress(executionRole, [
    {
      id: "AwsSolutions-IAM5",
      reason: "ecr:GetAuthorizationToken has no resource-level permissions; every other statement names the image repository, the log group or the SSM parameter.",
      appliesTo: ["Resource::*"],
    },
  ]);

  return { fargateTask, gpuTask, taskRole, executionRole };
}
