import { ListTasksCommand, RunTaskCommand, StopTaskCommand, type ECSClient, type RunTaskCommandInput } from "@aws-sdk/client-ecs";
import { z } from "zod";
import { errorMessage } from "../error.js";
import { TaskLaunchFailed, type LaunchedTask, type TaskLauncher, type TaskRequest, type TaskStopped } from "./task-launcher.js";

/** The worker container's name in both task definitions. */
export const WORKER_CONTAINER = "worker";
/** Marks the tasks the dispatcher starts, so they can be counted. */
export const STARTED_BY = "vos-dispatch";
/** The variable that tells a worker task its job. */
export const JOB_ID_VARIABLE = "VOS_JOB_ID";

/** Where worker tasks run on ECS: the cloud configuration's `ecs` (VOS_ECS_CLUSTER and the rest). */
export interface EcsLaunchConfig {
  cluster: string;
  fargateTaskDefinition: string;
  /** Both set, or neither (no GPU workers). */
  gpu?: { taskDefinition: string; capacityProvider: string };
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: boolean;
  launch: "fargate" | "gpu" | "auto";
  gpuMinBytes: number;
  maxTasks: number;
}

/** Fargate, or the GPU capacity provider: by configuration and, with `auto`, by video size. */
export function chooseLaunch(config: Pick<EcsLaunchConfig, "launch" | "gpu" | "gpuMinBytes">, sizeBytes: number): "fargate" | "gpu" {
  if (config.launch === "fargate" || !config.gpu) return "fargate";
  if (config.launch === "gpu") return "gpu";
  return sizeBytes >= config.gpuMinBytes ? "gpu" : "fargate";
}

/** Errors of RunTask itself that say "not now" rather than "never". */
const TRANSIENT = new Set(["ThrottlingException", "ServerException", "LimitExceededException", "ServiceUnavailableException", "TimeoutError"]);

/**
 * Worker tasks on ECS: RunTask on Fargate, or on the GPU capacity provider (EC2 instances with a
 * GPU, scaled by ECS). The job id rides in a container override; the SQS message id makes the
 * request idempotent, so a redelivered message does not start a second task.
 */
export function createEcsTaskLauncher(ecs: ECSClient, config: EcsLaunchConfig): TaskLauncher {
  const network: RunTaskCommandInput["networkConfiguration"] = {
    awsvpcConfiguration: { subnets: config.subnets, securityGroups: config.securityGroups, assignPublicIp: config.assignPublicIp ? "ENABLED" : "DISABLED" },
  };

  return {
    async active() {
      let count = 0;
      let token: string | undefined;
      do {
        // startedBy must be ListTasks' only filter; the desired status RUNNING is its default.
        const page = await ecs.send(new ListTasksCommand({ cluster: config.cluster, startedBy: STARTED_BY, maxResults: 100, ...(token ? { nextToken: token } : {}) }));
        count += page.taskArns?.length ?? 0;
        token = page.nextToken;
      } while (token && count < config.maxTasks);
      return count;
    },

    async launch(request: TaskRequest): Promise<LaunchedTask> {
      const kind = chooseLaunch(config, request.sizeBytes);
      const placement: Partial<RunTaskCommandInput> =
        kind === "gpu" && config.gpu
          ? { taskDefinition: config.gpu.taskDefinition, capacityProviderStrategy: [{ capacityProvider: config.gpu.capacityProvider, weight: 1, base: 0 }] }
          : { taskDefinition: config.fargateTaskDefinition, launchType: "FARGATE" };
      let output;
      try {
        output = await ecs.send(
          new RunTaskCommand({
            cluster: config.cluster,
            ...placement,
            taskDefinition: placement.taskDefinition!,
            count: 1,
            startedBy: STARTED_BY,
            networkConfiguration: network,
            overrides: { containerOverrides: [{ name: WORKER_CONTAINER, environment: [{ name: JOB_ID_VARIABLE, value: request.jobId }] }] },
            ...(request.idempotencyToken ? { clientToken: request.idempotencyToken.slice(0, 64) } : {}),
          }),
        );
      } catch (error) {
        const name = (error as { name?: string }).name ?? "Error";
        throw new TaskLaunchFailed(`RunTask failed (${name}): ${errorMessage(error)}`, TRANSIENT.has(name));
      }
      const task = output?.tasks?.[0];
      if (!task?.taskArn) {
        const failure = output?.failures?.[0];
        const why = failure ? `${failure.reason ?? "unknown"}${failure.detail ? `: ${failure.detail}` : ""}` : "no task and no failure reported";
        throw new TaskLaunchFailed(`ECS could not start a ${kind} task: ${why}`);
      }
      return { taskId: task.taskArn, kind };
    },

    async stop(taskId, reason) {
      await ecs.send(new StopTaskCommand({ cluster: config.cluster, task: taskId, reason: reason.slice(0, 255) })).catch((error: unknown) => {
        // Already stopped, or gone: nothing to stop.
        if ((error as { name?: string }).name !== "InvalidParameterException") throw error;
      });
    },
  };
}

/** The parts of EventBridge's "ECS Task State Change" event the task-events handler reads. */
const TaskStateChange = z.object({
  "detail-type": z.literal("ECS Task State Change"),
  detail: z.object({
    taskArn: z.string(),
    lastStatus: z.string(),
    stopCode: z.string().optional(),
    stoppedReason: z.string().optional(),
    startedBy: z.string().optional(),
    containers: z
      .array(z.object({ name: z.string(), exitCode: z.number().int().nullable().optional(), reason: z.string().optional(), lastStatus: z.string().optional() }))
      .default([]),
    overrides: z
      .object({
        containerOverrides: z
          .array(z.object({ name: z.string(), environment: z.array(z.object({ name: z.string(), value: z.string() })).optional() }))
          .default([]),
      })
      .optional(),
  }),
});

/**
 * Reads a stopped worker task out of an ECS task state change: its job (from the container
 * override), the worker's exit code and why it stopped. Undefined for other states and tasks.
 */
export function parseEcsTaskStopped(event: unknown): TaskStopped | undefined {
  const parsed = TaskStateChange.safeParse(event);
  if (!parsed.success || parsed.data.detail.lastStatus !== "STOPPED") return undefined;
  const { detail } = parsed.data;
  const override = detail.overrides?.containerOverrides.find((c) => c.name === WORKER_CONTAINER);
  const jobId = override?.environment?.find((variable) => variable.name === JOB_ID_VARIABLE)?.value;
  if (detail.startedBy !== undefined && detail.startedBy !== STARTED_BY && !jobId) return undefined;
  const worker = detail.containers.find((c) => c.name === WORKER_CONTAINER);
  const exitCode = worker?.exitCode ?? null;
  const parts = [
    detail.stopCode,
    detail.stoppedReason,
    worker?.reason,
    exitCode !== null ? `exit code ${exitCode}${exitCode === 137 ? " (killed: out of memory or stopped)" : ""}` : undefined,
  ].filter((part): part is string => Boolean(part));
  return { taskId: detail.taskArn, jobId, exitCode, reason: parts.join("; ") || "the task stopped" };
}
