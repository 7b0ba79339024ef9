/**
 * Who starts and settles worker tasks: the dispatcher (jobs queue -> one ECS task per job), the
 * task-events function (EventBridge rule on stopped tasks: re-queue with backoff or dead-letter)
 * and the scheduled reconciler (jobs stuck past their deadline). Part of the Workers stack: the
 * constructs are made in its scope with the ids it always used, so their CloudFormation logical
 * ids do not change.
 */
import { Duration } from "aws-cdk-lib";
import type * as ecs from "aws-cdk-lib/aws-ecs";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import { Cron, Function, use, type Script, type Stack } from "sst/constructs";
import { Database } from "../Database.js";
import { DISPATCH_TIMEOUT_SECONDS, Jobs } from "../Jobs.js";
import { functionSuppressions, objectsOf, suppress } from "../nag.js";
import { Network } from "../Network.js";
import { Secrets } from "../Secrets.js";
import { Storage } from "../Storage.js";
import { WORKER_BUCKET_ACCESS, type WorkerTasks } from "./task-definitions.js";

export interface JobControlOptions {
  cluster: ecs.Cluster;
  tasks: WorkerTasks;
  gpuCapacity: ecs.AsgCapacityProvider;
  /** The deploy-time script no worker may start before. */
  pineconeIndex: Script;
  /** The runtime's settings (see ../runtime.ts). */
  environment: Record<string, string>;
  /** The same and the alerts topic, for the functions that give up on jobs. */
  givesUpJobs: Record<string, string>;
  /** `sst dev` runs jobs as processes on the developer's machine. */
  localWorkers: boolean;
}

export function jobControl(stack: Stack, options: JobControlOptions) {
  const { cluster, tasks, gpuCapacity, pineconeIndex, environment, givesUpJobs, localWorkers } = options;
  const { fargateTask, gpuTask, taskRole, executionRole } = tasks;
  const { settings, PINECONE_API_KEY } = use(Secrets);
  const network = use(Network);
  const { secret } = use(Database);
  const storage = use(Storage);
  const { queue, deadLetters, alerts, allowAlerts } = use(Jobs);

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
    storage.allow(dispatch, WORKER_BUCKET_ACCESS);
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

  return { dispatch, taskEvents, reconciler };
}
