import * as ecs from "aws-cdk-lib/aws-ecs";
import { use, type StackContext } from "sst/constructs";
import { Jobs } from "./Jobs.js";
import { Network } from "./Network.js";
import { runtimeEnvironment } from "./runtime.js";
import { Secrets } from "./Secrets.js";
import { gpuCapacity } from "./workers/gpu-capacity.js";
import { jobControl } from "./workers/job-control.js";
import { pineconeIndex } from "./workers/pinecone-index.js";
import { workerTaskDefinitions } from "./workers/task-definitions.js";

/**
 * The ingest fleet. Jobs arrive on the jobs queue; the dispatcher launches one ECS task per
 * job, on Fargate (CPU) or on the GPU capacity provider (an Auto Scaling group of GPU instances
 * that ECS scales from zero and back). When a task stops, EventBridge hands the event to the
 * task-events function, which re-queues the job with backoff or dead-letters it; a scheduled
 * reconciler catches jobs stuck past their deadline. Before any of this runs, a deploy-time
 * script creates the Pinecone index the workers write to.
 *
 * One CloudFormation stack, its parts in stacks/workers/ by concern: task-definitions.ts (what a
 * worker task is), gpu-capacity.ts (where GPU tasks run), pinecone-index.ts (the deploy-time
 * script) and job-control.ts (who starts and settles tasks). They build in this stack's scope with
 * the construct ids it always had, so a deployed stack keeps its resources.
 */
export function Workers({ stack, app }: StackContext) {
  const { settings } = use(Secrets);
  const network = use(Network);
  const { alerts } = use(Jobs);
  const environment = runtimeEnvironment();
  // Whoever gives up on a job (the worker's last attempt, task events, the reconciler) also says
  // which job and why on the alerts topic; the dead-letter alarm alone only says that one did.
  const givesUpJobs = { ...environment, VOS_ALERTS_TOPIC_ARN: alerts.topicArn };
  // `sst dev` runs jobs as processes on the developer's machine unless VOS_DEV_WORKERS=ecs: the
  // task definitions then stay unused.
  const localWorkers = app.mode === "dev" && settings.devWorkers === "local";

  const cluster = new ecs.Cluster(stack, "Cluster", {
    vpc: network.vpc,
    containerInsightsV2: ecs.ContainerInsights.ENABLED,
    enableFargateCapacityProviders: true,
  });
  const tasks = workerTaskDefinitions(stack, { environment: givesUpJobs, localWorkers });
  const capacity = gpuCapacity(stack, cluster);
  const index = pineconeIndex(stack);
  const { dispatch, taskEvents, reconciler } = jobControl(stack, {
    cluster,
    tasks,
    gpuCapacity: capacity,
    pineconeIndex: index,
    environment,
    givesUpJobs,
    localWorkers,
  });

  stack.addOutputs({
    ClusterName: cluster.clusterName,
    FargateTaskDefinition: tasks.fargateTask.taskDefinitionArn,
    GpuTaskDefinition: tasks.gpuTask.taskDefinitionArn,
    GpuCapacityProvider: capacity.capacityProviderName,
  });

  return { cluster, ...tasks, gpuCapacity: capacity, dispatch, taskEvents, reconciler, pineconeIndex: index };
}
