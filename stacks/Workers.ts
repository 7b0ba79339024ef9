import { Duration } from "aws-cdk-lib";
import * as autoscaling from "aws-cdk-lib/aws-autoscaling";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import { Platform } from "aws-cdk-lib/aws-ecr-assets";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import * as ssm from "aws-cdk-lib/aws-ssm";
import { Cron, Function, Script, use, type StackContext } from "sst/constructs";
import { getParameterPath } from "sst/constructs/util/binding.js";
import { useProject } from "sst/project.js";
import { Database } from "./Database.js";
import { DISPATCH_TIMEOUT_SECONDS, Jobs } from "./Jobs.js";
import { functionSuppressions, objectsOf, suppress } from "./nag.js";
import { Network } from "./Network.js";
import { runtimeEnvironment } from "./runtime.js";
import { Secrets } from "./Secrets.js";
import { Storage } from "./Storage.js";

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
 * The ingest fleet. Jobs arrive on the jobs queue; the dispatcher launches one ECS task per
 * job, on Fargate (CPU) or on the GPU capacity provider (an Auto Scaling group of GPU instances
 * that ECS scales from zero and back). When a task stops, EventBridge hands the event to the
 * task-events function, which re-queues the job with backoff or dead-letters it; a scheduled
 * reconciler catches jobs stuck past their deadline. Before any of this runs, a deploy-time
 * script creates the Pinecone index the workers write to.
 */
export function Workers({ stack, app }: StackContext) {
  const prod = app.stage === "prod";
  const { settings, PINECONE_API_KEY } = use(Secrets);
  const network = use(Network);
  const { secret } = use(Database);
  const storage = use(Storage);
  const { queue, deadLetters, alerts, allowAlerts } = use(Jobs);
  const environment = runtimeEnvironment();
  // Whoever gives up on a job (the worker's last attempt, task events, the reconciler) also says
  // which job and why on the alerts topic; the dead-letter alarm alone only says that one did.
  const givesUpJobs = { ...environment, VOS_ALERTS_TOPIC_ARN: alerts.topicArn };
  const root = useProject().paths.root;

  const cluster = new ecs.Cluster(stack, "Cluster", {
    vpc: network.vpc,
    containerInsightsV2: ecs.ContainerInsights.ENABLED,
    enableFargateCapacityProviders: true,
  });

  // ---- task definitions ----------------------------------------------------------------------
  const workerLogs = new logs.LogGroup(stack, "WorkerLogs", {
    retention: prod ? logs.RetentionDays.ONE_MONTH : logs.RetentionDays.ONE_WEEK,
  });
  const taskRole = new iam.Role(stack, "WorkerTaskRole", {
    assumedBy: new iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
    description: "What a worker task may do: read uploads, write frames, read the database secret, queue its job",
  });
  // Reads the video, writes thumbnails; on a permanent failure removes what it made (and a bad
  // upload); hands its job back to the queue or dead-letters it.
  storage.allow(taskRole, { uploads: ["s3:GetObject", "s3:DeleteObject"], frames: ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"] });
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
    environment: { ...givesUpJobs, AWS_REGION: stack.region },
    secrets: { PINECONE_API_KEY: ecs.Secret.fromSsmParameter(pineconeKeyParameter) },
    logging: ecs.LogDrivers.awsLogs({ logGroup: workerLogs, streamPrefix: WORKER_CONTAINER }),
    // Time to commit the current checkpoint after SIGTERM.
    stopTimeout: Duration.seconds(120),
  });
  // `sst dev` runs jobs as processes on the developer's machine unless VOS_DEV_WORKERS=ecs: the
  // task definitions then stay unused, and point at a public Node image instead of images built
  // from the working tree, so `sst dev` needs no Docker.
  const localWorkers = app.mode === "dev" && settings.devWorkers === "local";
  // The image bakes the model the functions are configured with, so tasks never download it.
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
    ephemeralStorageGiB: 50,
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

  // ---- GPU capacity ------------------------------------------------------------------------
  const gpuInstancesSecurityGroup = new ec2.SecurityGroup(stack, "GpuInstancesSecurityGroup", {
    vpc: network.vpc,
    description: "GPU container instances: outbound only (tasks have their own ENIs)",
    allowAllOutbound: true,
  });
  const gpuInstances = new autoscaling.AutoScalingGroup(stack, "GpuInstances", {
    vpc: network.vpc,
    vpcSubnets: network.privateSubnets,
    securityGroup: gpuInstancesSecurityGroup,
    instanceType: new ec2.InstanceType(settings.gpuInstanceType),
    machineImage: ecs.EcsOptimizedImage.amazonLinux2023(ecs.AmiHardwareType.GPU),
    minCapacity: 0,
    maxCapacity: settings.maxTasks,
    requireImdsv2: true,
    blockDevices: [
      {
        deviceName: "/dev/xvda",
        volume: autoscaling.BlockDeviceVolume.ebs(100, { encrypted: true, volumeType: autoscaling.EbsDeviceVolumeType.GP3 }),
      },
    ],
  });
  const gpuCapacity = new ecs.AsgCapacityProvider(stack, "GpuCapacity", {
    autoScalingGroup: gpuInstances,
    enableManagedScaling: true,
    enableManagedTerminationProtection: true,
    // With no GPU task placed, ECS scales the group to zero instances.
    targetCapacityPercent: 100,
  });
  cluster.addAsgCapacityProvider(gpuCapacity);
  suppress(gpuInstances, [
    { id: "AwsSolutions-AS3", reason: "ECS managed scaling drives this group; a launch that fails leaves the GPU task in PROVISIONING, which the reconciler times out and re-queues." },
    {
      id: "AwsSolutions-IAM5",
      reason: "The ECS container agent's own calls (ecs:Poll, ecs:Submit*, ecs:StartTelemetrySession, ecr:GetAuthorizationToken) support no resource-level permissions; cluster calls are scoped to this cluster.",
      appliesTo: ["Resource::*", "Action::ecs:Submit*"],
    },
  ]);

  // ---- Pinecone index (before any worker can start) --------------------------------------
  const pineconeIndexFunction = new Function(stack, "PineconeIndexFunction", {
    handler: "packages/functions/src/pinecone-index.handler",
    description: "Creates the Pinecone index when it is missing (run by the PineconeIndex script on every deploy)",
    enableLiveDev: false,
    timeout: 300,
    bind: [PINECONE_API_KEY],
    environment: {
      VOS_PINECONE_INDEX: settings.pineconeIndex,
      VOS_EMBED_DIMENSION: String(settings.embedDimension),
      VOS_CLIP_MODEL: settings.clipModel,
    },
  });
  const pineconeIndex = new Script(stack, "PineconeIndex", {
    onCreate: pineconeIndexFunction,
    onUpdate: pineconeIndexFunction,
    params: { index: settings.pineconeIndex, dimension: settings.embedDimension },
  });

  // ---- Lambdas -------------------------------------------------------------------------------
  const inVpc = {
    vpc: network.vpc,
    vpcSubnets: network.privateSubnets,
    securityGroups: [network.functionsSecurityGroup],
  };
  /** How to start a worker task: the dispatcher launches them, the reconciler stops stuck ones. */
  const launchEnvironment = {
    VOS_ECS_CLUSTER: cluster.clusterArn,
    VOS_FARGATE_TASK_DEFINITION: fargateTask.taskDefinitionArn,
    VOS_GPU_TASK_DEFINITION: gpuTask.taskDefinitionArn,
    VOS_GPU_CAPACITY_PROVIDER: gpuCapacity.capacityProviderName,
    VOS_TASK_SUBNETS: network.vpc.selectSubnets(network.privateSubnets).subnetIds.join(","),
    VOS_TASK_SECURITY_GROUPS: network.tasksSecurityGroup.securityGroupId,
    VOS_LAUNCH: "auto",
    VOS_MAX_TASKS: String(settings.maxTasks),
  };
  const onClusterTasks = { ArnEquals: { "ecs:cluster": cluster.clusterArn } };

  const dispatch = new Function(stack, "Dispatch", {
    handler: "packages/functions/src/dispatch.handler",
    description: "Launches one worker task per job message",
    ...inVpc,
    timeout: DISPATCH_TIMEOUT_SECONDS,
    environment: { ...environment, ...launchEnvironment },
  });
  secret.grantRead(dispatch);
  // Busy slots defer a job (send again, delayed); a malformed message is dead-lettered.
  queue.grantSendMessages(dispatch);
  deadLetters.grantSendMessages(dispatch);
  dispatch.addToRolePolicy(
    new iam.PolicyStatement({
      sid: "RunWorkerTasks",
      actions: ["ecs:RunTask"],
      resources: [fargateTask.taskDefinitionArn, gpuTask.taskDefinitionArn],
      conditions: onClusterTasks,
    }),
  );
  dispatch.addToRolePolicy(
    new iam.PolicyStatement({
      sid: "PassWorkerRoles",
      actions: ["iam:PassRole"],
      resources: [taskRole.roleArn, executionRole.roleArn],
      conditions: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
    }),
  );
  // Counting running workers against VOS_MAX_TASKS. ListTasks has no resource to name; the
  // condition keeps it to this cluster.
  dispatch.addToRolePolicy(new iam.PolicyStatement({ sid: "CountWorkerTasks", actions: ["ecs:ListTasks"], resources: ["*"], conditions: onClusterTasks }));
  if (localWorkers) {
    // The local dispatcher starts worker processes with its own credentials and settles their
    // exits as task-events would: it needs what both of them may do, and the Pinecone key.
    dispatch.addEnvironment("VOS_DEV_WORKERS", "local");
    dispatch.addEnvironment("VOS_ALERTS_TOPIC_ARN", alerts.topicArn);
    dispatch.bind([PINECONE_API_KEY]);
    storage.allow(dispatch, { uploads: ["s3:GetObject", "s3:DeleteObject"], frames: ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"] });
    allowAlerts(dispatch);
  }
  const dispatchJobs = dispatch.addEventSourceMapping("JobsQueue", {
    eventSourceArn: queue.queueArn,
    batchSize: 5,
    reportBatchItemFailures: true,
    maxConcurrency: 2,
  });
  queue.grantConsumeMessages(dispatch);
  // No worker may start before the index it writes to exists.
  dispatchJobs.node.addDependency(pineconeIndex);

  // Both settle jobs whose task is gone: re-queue, or dead-letter and remove what the job made
  // (vectors, thumbnails, a bad upload).
  const settles = (fn: Function) => {
    secret.grantRead(fn);
    queue.grantSendMessages(fn);
    deadLetters.grantSendMessages(fn);
    allowAlerts(fn);
    storage.allow(fn, { uploads: ["s3:DeleteObject"], frames: ["s3:DeleteObject"] });
  };

  const taskEvents = new Function(stack, "TaskEvents", {
    handler: "packages/functions/src/task-events.handler",
    description: "Re-queues or dead-letters the job of a worker task that stopped",
    ...inVpc,
    timeout: 60,
    bind: [PINECONE_API_KEY],
    environment: givesUpJobs,
  });
  settles(taskEvents);
  const taskStopped = new events.Rule(stack, "TaskStopped", {
    description: "A worker task of this cluster stopped",
    eventPattern: {
      source: ["aws.ecs"],
      detailType: ["ECS Task State Change"],
      detail: { clusterArn: [cluster.clusterArn], lastStatus: ["STOPPED"] },
    },
  });
  taskStopped.addTarget(new targets.LambdaFunction(taskEvents, { retryAttempts: 8, maxEventAge: Duration.hours(6) }));

  const reconciler = new Cron(stack, "Reconciler", {
    schedule: "rate(5 minutes)",
    job: {
      function: {
        handler: "packages/functions/src/reconciler.handler",
        description: "Re-queues or fails jobs stuck past their deadline, stopping their tasks",
        ...inVpc,
        timeout: 120,
        bind: [PINECONE_API_KEY],
        // With local workers the reconciler stops stuck worker processes on the developer's machine.
        environment: { ...givesUpJobs, ...launchEnvironment, ...(localWorkers ? { VOS_DEV_WORKERS: "local" } : {}) },
      },
    },
  });
  settles(reconciler.jobFunction);
  reconciler.jobFunction.addToRolePolicy(
    new iam.PolicyStatement({ sid: "StopStuckTasks", actions: ["ecs:StopTask"], resources: [cluster.arnForTasks("*")], conditions: onClusterTasks }),
  );

  const bucketObjects = {
    id: "AwsSolutions-IAM5",
    reason: "Object keys are made per video at run time; settling a failed job removes its thumbnails and a bad upload, in these two buckets only.",
    appliesTo: [...objectsOf("Uploads"), ...objectsOf("Frames")],
  };
  suppress(dispatch, [
    ...functionSuppressions().filter((s) => s.id !== "AwsSolutions-IAM5"),
    {
      id: "AwsSolutions-IAM5",
      reason: "Resource * is needed by X-Ray (PutTraceSegments, PutTelemetryRecords) and ecs:ListTasks, which name no resource; ListTasks is held to this cluster by its ecs:cluster condition.",
      appliesTo: ["Resource::*"],
    },
    ...(localWorkers ? [{ ...bucketObjects, reason: "sst dev with local workers: the dispatcher runs the worker processes, which read uploads and write and remove frame images, in these two buckets only." }] : []),
  ]);
  suppress(taskEvents, [...functionSuppressions(), bucketObjects]);
  suppress(reconciler.jobFunction, [
    ...functionSuppressions(),
    bucketObjects,
    {
      id: "AwsSolutions-IAM5",
      reason: "Task ids are made when tasks start; the reconciler may stop only the tasks of this cluster.",
      appliesTo: [{ regex: "/^Resource::arn:<AWS::Partition>:ecs:.+:task\\/<Cluster[0-9A-F]{8}>\\/\\*$/g" }],
    },
  ]);
  suppress(pineconeIndexFunction, functionSuppressions());

  stack.addOutputs({
    ClusterName: cluster.clusterName,
    FargateTaskDefinition: fargateTask.taskDefinitionArn,
    GpuTaskDefinition: gpuTask.taskDefinitionArn,
    GpuCapacityProvider: gpuCapacity.capacityProviderName,
  });

  return { cluster, fargateTask, gpuTask, gpuCapacity, taskRole, executionRole, dispatch, taskEvents, reconciler, pineconeIndex };
}
