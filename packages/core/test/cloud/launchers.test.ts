import { ECSClient, ListTasksCommand, RunTaskCommand, StopTaskCommand } from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { loadCloudConfig } from "../../src/runtime/cloud/config.js";
import { createEcsTaskLauncher, parseEcsTaskStopped } from "../../src/launcher/ecs.js";
import { createProcessLauncher, OWN_PROCESS_TASK_ID } from "../../src/launcher/process.js";
import { TaskLaunchFailed, type TaskStopped } from "../../src/launcher/task-launcher.js";

// The exact requests the launcher makes, with the SDK client mocked at its transport; the behaviour
// against a server that speaks ECS's protocol is in contracts/task-launcher.contract.test.ts.
const ecsMock = mockClient(ECSClient);
afterAll(() => ecsMock.restore());
beforeEach(() => ecsMock.reset());

const GiB = 1024 ** 3;
const config = loadCloudConfig(
  {
    AWS_REGION: "us-east-1",
    VOS_DATABASE_URL: "postgres://db/vos",
    VOS_JOBS_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/1/jobs",
    VOS_DEAD_LETTER_QUEUE_URL: "https://sqs.us-east-1.amazonaws.com/1/dead",
    VOS_ECS_CLUSTER: "vos",
    VOS_FARGATE_TASK_DEFINITION: "vos-worker-cpu:7",
    VOS_GPU_TASK_DEFINITION: "vos-worker-gpu:7",
    VOS_GPU_CAPACITY_PROVIDER: "vos-gpu-asg",
    VOS_TASK_SUBNETS: "subnet-a,subnet-b",
    VOS_TASK_SECURITY_GROUPS: "sg-w",
    VOS_MAX_TASKS: "150",
  },
  "dispatch",
).ecs!;
const launcher = createEcsTaskLauncher(new ECSClient({ region: "us-east-1" }), config);
const request = { jobId: "job_1", videoId: "vid_1", tenantId: "t1", sizeBytes: 100 * 1024 ** 2, idempotencyToken: "msg-1" };

describe("ECS task launcher", () => {
  it("runs a small video on Fargate with the job id in the worker's environment", async () => {
    ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: "arn:aws:ecs:us-east-1:1:task/vos/abc" }], failures: [] });
    expect(await launcher.launch(request)).toEqual({ taskId: "arn:aws:ecs:us-east-1:1:task/vos/abc", kind: "fargate" });
    const input = ecsMock.commandCalls(RunTaskCommand)[0]!.args[0].input;
    expect(input).toEqual({
      cluster: "vos",
      taskDefinition: "vos-worker-cpu:7",
      launchType: "FARGATE",
      count: 1,
      startedBy: "vos-dispatch",
      clientToken: "msg-1",
      networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-a", "subnet-b"], securityGroups: ["sg-w"], assignPublicIp: "DISABLED" } },
      overrides: { containerOverrides: [{ name: "worker", environment: [{ name: "VOS_JOB_ID", value: "job_1" }] }] },
    });
  });

  it("runs a large video on the GPU capacity provider", async () => {
    ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: "arn:gpu-task" }] });
    expect(await launcher.launch({ ...request, sizeBytes: 3 * GiB })).toEqual({ taskId: "arn:gpu-task", kind: "gpu" });
    const input = ecsMock.commandCalls(RunTaskCommand)[0]!.args[0].input;
    expect(input.capacityProviderStrategy).toEqual([{ capacityProvider: "vos-gpu-asg", weight: 1, base: 0 }]);
    expect(input.launchType).toBeUndefined();
    expect(input.taskDefinition).toBe("vos-worker-gpu:7");
  });

  it("turns RunTask's failures and errors into TaskLaunchFailed with the reason", async () => {
    ecsMock
      .on(RunTaskCommand)
      .resolvesOnce({ tasks: [], failures: [{ arn: "arn", reason: "Capacity is unavailable at this time. Please try again later or in a different availability zone" }] })
      .rejectsOnce(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }))
      .rejectsOnce(Object.assign(new Error("TaskDefinition is inactive"), { name: "InvalidParameterException" }));
    await expect(launcher.launch(request)).rejects.toSatisfy((error: unknown) => error instanceof TaskLaunchFailed && /Capacity is unavailable/.test(error.message));
    await expect(launcher.launch(request)).rejects.toMatchObject({ name: "TaskLaunchFailed", retryable: true, message: expect.stringContaining("ThrottlingException") });
    await expect(launcher.launch(request)).rejects.toMatchObject({ retryable: false });
  });

  it("counts the dispatcher's running tasks across pages", async () => {
    ecsMock
      .on(ListTasksCommand)
      .resolvesOnce({ taskArns: Array.from({ length: 100 }, (_, i) => `t${i}`), nextToken: "page2" })
      .resolvesOnce({ taskArns: ["t100", "t101"] });
    expect(await launcher.active()).toBe(102);
    const calls = ecsMock.commandCalls(ListTasksCommand).map((call) => call.args[0].input);
    // startedBy alone: ECS refuses it beside another filter.
    expect(calls[0]).toEqual({ cluster: "vos", startedBy: "vos-dispatch", maxResults: 100 });
    expect(calls[1]).toMatchObject({ nextToken: "page2" });
  });

  it("stops a task, and a task that is already gone is no error", async () => {
    ecsMock.on(StopTaskCommand).resolvesOnce({}).rejectsOnce(Object.assign(new Error("The referenced task was not found."), { name: "InvalidParameterException" }));
    await launcher.stop("arn:task", "stuck");
    await launcher.stop("arn:task", "stuck");
    expect(ecsMock.commandCalls(StopTaskCommand)[0]!.args[0].input).toEqual({ cluster: "vos", task: "arn:task", reason: "stuck" });
  });
});

describe("ECS task state change events", () => {
  const event = (detail: Record<string, unknown>) => ({
    version: "0",
    "detail-type": "ECS Task State Change",
    source: "aws.ecs",
    detail: {
      taskArn: "arn:aws:ecs:us-east-1:1:task/vos/abc",
      lastStatus: "STOPPED",
      startedBy: "vos-dispatch",
      overrides: { containerOverrides: [{ name: "worker", environment: [{ name: "VOS_JOB_ID", value: "job_7" }] }] },
      ...detail,
    },
  });

  it("reads the job, the exit code and why the task stopped", () => {
    expect(
      parseEcsTaskStopped(
        event({
          stopCode: "EssentialContainerExited",
          stoppedReason: "Essential container in task exited",
          containers: [{ name: "worker", exitCode: 137, reason: "OutOfMemoryError: Container killed due to memory usage" }],
        }),
      ),
    ).toEqual({
      taskId: "arn:aws:ecs:us-east-1:1:task/vos/abc",
      jobId: "job_7",
      exitCode: 137,
      reason: "EssentialContainerExited; Essential container in task exited; OutOfMemoryError: Container killed due to memory usage; exit code 137 (killed: out of memory or stopped)",
    });
    expect(parseEcsTaskStopped(event({ stopCode: "TaskFailedToStart", stoppedReason: "CannotPullContainerError: pull image manifest has been retried", containers: [{ name: "worker" }] }))).toMatchObject({
      exitCode: null,
      reason: expect.stringContaining("CannotPullContainerError"),
    });
  });

  it("ignores other states, other tasks and other events", () => {
    expect(parseEcsTaskStopped(event({ lastStatus: "RUNNING" }))).toBeUndefined();
    expect(parseEcsTaskStopped(event({ startedBy: "ecs-svc/123", overrides: { containerOverrides: [] } }))).toBeUndefined();
    expect(parseEcsTaskStopped({ "detail-type": "Scheduled Event", detail: {} })).toBeUndefined();
  });
});

describe("process launcher (the cloud mode on one machine)", () => {
  it("runs a worker per job with VOS_JOB_ID and reports its exit like a stopped task", async () => {
    const stopped: TaskStopped[] = [];
    const lines: string[] = [];
    // A worker learns its task id as currentTaskId does: VOS_TASK_ID says "this process".
    const script = `const id = process.env.VOS_TASK_ID === ${JSON.stringify(OWN_PROCESS_TASK_ID)} ? "process:" + process.pid : "unknown"; console.log("job " + process.env.VOS_JOB_ID + " in " + id); process.exit(process.env.VOS_JOB_ID === "job_bad" ? 3 : 0)`;
    const local = createProcessLauncher({
      env: { PATH: process.env.PATH ?? "" },
      command: [process.execPath, "-e", script],
      onStopped: (s) => void stopped.push(s),
      output: (line) => lines.push(line),
    });
    const good = await local.launch({ jobId: "job_good", videoId: "v", tenantId: "t", sizeBytes: 1 });
    const bad = await local.launch({ jobId: "job_bad", videoId: "v", tenantId: "t", sizeBytes: 1 });
    expect(good.kind).toBe("process");
    expect(await local.active()).toBe(2);
    await local.settled();
    expect(await local.active()).toBe(0);
    expect(stopped.find((s) => s.jobId === "job_good")).toEqual({ taskId: good.taskId, jobId: "job_good", exitCode: 0, reason: "the worker finished" });
    expect(stopped.find((s) => s.jobId === "job_bad")).toMatchObject({ taskId: bad.taskId, exitCode: 3, reason: expect.stringContaining(`job job_bad in ${bad.taskId}`) });
    expect(lines).toContain(`job job_good in ${good.taskId}`);

    const slow = createProcessLauncher({ env: {}, command: [process.execPath, "-e", "setTimeout(() => {}, 60000)"], onStopped: (s) => void stopped.push(s), output: () => {} });
    const task = await slow.launch({ jobId: "job_slow", videoId: "v", tenantId: "t", sizeBytes: 1 });
    await slow.stop(task.taskId, "test");
    await slow.settled();
    expect(stopped.at(-1)).toMatchObject({ jobId: "job_slow", exitCode: null, reason: "killed by SIGTERM" });
  });
});
