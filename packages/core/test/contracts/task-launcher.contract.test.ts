import { chmod, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ECSClient, RunTaskCommand } from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEcsTaskLauncher, JOB_ID_VARIABLE, STARTED_BY, WORKER_CONTAINER, type EcsLaunchConfig } from "../../src/launcher/ecs.js";
import { createProcessLauncher, OWN_PROCESS_TASK_ID } from "../../src/launcher/process.js";
import { TaskLaunchFailed, type TaskRequest } from "../../src/launcher/task-launcher.js";
import { startEcsServer, type EcsServer } from "../support/ecs-server.js";
import { describeTaskLauncherContract } from "./task-launcher.contract.js";
import { sleep, unique } from "./support.js";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const credentials = { accessKeyId: "test", secretAccessKey: "test" };

/** The cluster, task definitions and capacity provider the CDK stack makes, on the server. */
function ecsConfig(server: EcsServer, overrides: Partial<EcsLaunchConfig> = {}): EcsLaunchConfig {
  const cluster = unique("vos");
  server.createCluster(cluster, { capacityProviders: ["vos-gpu-asg"] });
  return {
    cluster,
    fargateTaskDefinition: "vos-worker-cpu:7",
    gpu: { taskDefinition: "vos-worker-gpu:7", capacityProvider: "vos-gpu-asg" },
    subnets: ["subnet-a", "subnet-b"],
    securityGroups: ["sg-w"],
    assignPublicIp: false,
    launch: "auto",
    gpuMinBytes: GiB,
    maxTasks: 150,
    ...overrides,
  };
}

async function ecsServerWithWorkers(): Promise<EcsServer> {
  const server = await startEcsServer();
  server.registerTaskDefinition({ family: "vos-worker-cpu", revision: 7, containers: [WORKER_CONTAINER], compatibilities: ["FARGATE"] });
  server.registerTaskDefinition({ family: "vos-worker-gpu", revision: 7, containers: [WORKER_CONTAINER], compatibilities: ["EC2"] });
  return server;
}

describeTaskLauncherContract("ECS (real SDK) on the ECS-protocol server", { idempotent: true }, async () => {
  const server = await ecsServerWithWorkers();
  const config = ecsConfig(server);
  // One attempt: the SDK's own retries (with their backoff) are not the launcher's contract; a
  // throttle that passes is tested below.
  const ecs = new ECSClient({ region: server.region, endpoint: server.endpoint, credentials, maxAttempts: 1 });
  const fail = (fault: Parameters<EcsServer["failNext"]>[1]) => async () => server.failNext("RunTask", fault);
  return {
    launcher: createEcsTaskLauncher(ecs, config),
    sizes: [
      { sizeBytes: 100 * MiB, kind: "fargate" },
      { sizeBytes: 3 * GiB, kind: "gpu" },
    ],
    refusals: [
      { name: "no capacity: RunTask answers a failure and no task", arrange: fail({ failures: [{ reason: "RESOURCE:MEMORY" }] }), message: /RESOURCE:MEMORY/, retryable: true },
      {
        name: "Fargate has no capacity now",
        arrange: fail({ failures: [{ reason: "Capacity is unavailable at this time. Please try again later or in a different availability zone" }] }),
        message: /Capacity is unavailable/,
        retryable: true,
      },
      { name: "throttled (ThrottlingException)", arrange: fail({ error: "ThrottlingException", message: "Rate exceeded" }), message: /ThrottlingException.*Rate exceeded/, retryable: true },
      { name: "the cluster is gone (ClusterNotFoundException)", arrange: fail({ error: "ClusterNotFoundException", message: "Cluster not found." }), message: /ClusterNotFoundException.*Cluster not found/, retryable: false },
    ],
    jobIdOf: async (taskId) => server.environmentOf(taskId, WORKER_CONTAINER)[JOB_ID_VARIABLE],
    alive: async (taskId) => server.task(taskId)?.lastStatus !== "STOPPED",
    finish: async (taskId) => server.exit(taskId, 0),
    async close() {
      ecs.destroy();
      await server.close();
    },
  };
});

/**
 * The worker a process task runs: says which job and task it is (in a file, as the contract reads
 * it back), then runs until told to finish (a file appears) or stopped (SIGTERM).
 */
const WORKER_SCRIPT = `
import { existsSync, renameSync, writeFileSync } from "node:fs";
const dir = process.env.VOS_CONTRACT_DIR;
const taskId = process.env.VOS_TASK_ID === ${JSON.stringify(OWN_PROCESS_TASK_ID)} ? "process:" + process.pid : process.env.VOS_TASK_ID;
writeFileSync(dir + "/" + process.pid + ".tmp", JSON.stringify({ jobId: process.env.VOS_JOB_ID, taskId }));
renameSync(dir + "/" + process.pid + ".tmp", dir + "/" + process.pid + ".json");
setInterval(() => existsSync(dir + "/" + process.pid + ".finish") && process.exit(0), 20);
`;

const pidOf = (taskId: string) => Number(/^process:(\d+)$/.exec(taskId)?.[1] ?? NaN);

describeTaskLauncherContract("child processes (a node script as the worker command)", { idempotent: false }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "vos-launcher-contract-"));
  const worker = path.join(dir, "worker.mjs");
  await writeFile(worker, `#!${process.execPath}\n${WORKER_SCRIPT}`, { mode: 0o755 });
  const launcher = createProcessLauncher({ env: { PATH: process.env.PATH ?? "", VOS_CONTRACT_DIR: dir }, command: [worker], cwd: dir, onStopped: () => {}, output: () => {} });
  /** What the worker said about itself: its job and its task id. */
  async function said(taskId: string): Promise<{ jobId?: string; taskId?: string }> {
    const file = path.join(dir, `${pidOf(taskId)}.json`);
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        return JSON.parse(await readFile(file, "utf8")) as { jobId?: string; taskId?: string };
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`the worker of ${taskId} never said which job it runs`, { cause: error });
        await sleep(20);
      }
    }
  }
  return {
    launcher,
    sizes: [
      { sizeBytes: 100 * MiB, kind: "process" },
      { sizeBytes: 3 * GiB, kind: "process" },
    ],
    refusals: [
      { name: "the worker command may not be run (EACCES)", arrange: () => chmod(worker, 0o644), restore: () => chmod(worker, 0o755), message: /could not start the worker process.*EACCES/ },
      {
        name: "the worker command is missing (ENOENT)",
        arrange: () => rename(worker, `${worker}.away`),
        restore: () => rename(`${worker}.away`, worker),
        message: /could not start the worker process.*ENOENT/,
      },
    ],
    async jobIdOf(taskId) {
      const self = await said(taskId);
      // The worker also learns its own task id, as currentTaskId reads it.
      expect(self.taskId).toBe(taskId);
      return self.jobId;
    },
    async alive(taskId) {
      try {
        process.kill(pidOf(taskId), 0);
        return true;
      } catch {
        return false;
      }
    },
    finish: (taskId) => writeFile(path.join(dir, `${pidOf(taskId)}.finish`), ""),
    async close() {
      await launcher.settled();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

/** What the contract leaves to the adapter: ECS's requests as the server checks them, its pages, the SDK's retry. */
describe("ECS task launcher on the ECS-protocol server, beyond the contract", () => {
  let server: EcsServer;
  let ecs: ECSClient;
  beforeAll(async () => {
    server = await ecsServerWithWorkers();
    ecs = new ECSClient({ region: server.region, endpoint: server.endpoint, credentials });
  });
  afterAll(async () => {
    ecs?.destroy();
    await server?.close();
  });
  const request = (overrides: Partial<TaskRequest> = {}): TaskRequest => ({ jobId: unique("job"), videoId: unique("vid"), tenantId: "t1", sizeBytes: 100 * MiB, ...overrides });

  it("runs a small video on Fargate and a large one on the GPU capacity provider, each with the worker's job id, both counted while provisioning or running", async () => {
    const config = ecsConfig(server);
    const launcher = createEcsTaskLauncher(ecs, config);
    const small = await launcher.launch(request({ jobId: "job_small" }));
    const large = await launcher.launch(request({ jobId: "job_large", sizeBytes: 3 * GiB }));
    expect(server.task(small.taskId)).toMatchObject({ launchType: "FARGATE", startedBy: STARTED_BY, lastStatus: "PROVISIONING", definition: { family: "vos-worker-cpu", revision: 7 } });
    expect(server.task(large.taskId)).toMatchObject({ capacityProviderName: "vos-gpu-asg", startedBy: STARTED_BY, definition: { family: "vos-worker-gpu", revision: 7 } });
    expect(server.task(large.taskId)!.launchType).toBeUndefined();
    expect(server.environmentOf(small.taskId, WORKER_CONTAINER)).toEqual({ VOS_JOB_ID: "job_small" });
    expect(small.taskId).toMatch(new RegExp(`^arn:aws:ecs:us-east-1:\\d{12}:task/${config.cluster}/[0-9a-f]{32}$`));
    server.setLastStatus(small.taskId, "RUNNING");
    expect(await launcher.active()).toBe(2);
  });

  it("counts the dispatcher's tasks across pages, and no one else's, nor stopped ones", async () => {
    const config = ecsConfig(server, { maxTasks: 1000 });
    const launcher = createEcsTaskLauncher(ecs, config);
    const run = (startedBy: string, count: number) =>
      ecs.send(
        new RunTaskCommand({
          cluster: config.cluster,
          taskDefinition: "vos-worker-cpu",
          launchType: "FARGATE",
          count,
          startedBy,
          networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-a"] } },
        }),
      );
    for (let i = 0; i < 25; i++) await run(STARTED_BY, 10);
    await run("ecs-svc/1234", 5);
    const [stopped] = server.tasks(config.cluster);
    await launcher.stop(stopped!.arn, "test");
    server.requests.length = 0;
    expect(await launcher.active()).toBe(249);
    const lists = server.requests.filter((r) => r.operation === "ListTasks");
    expect(lists.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(lists[1]!.input.nextToken).toEqual(expect.any(String));

    // The dispatcher only asks whether there is room: it stops reading once it has maxTasks.
    server.requests.length = 0;
    expect(await createEcsTaskLauncher(ecs, { ...config, maxTasks: 150 }).active()).toBe(200);
    expect(server.requests.filter((r) => r.operation === "ListTasks")).toHaveLength(2);
  });

  it("lets the SDK retry a throttled RunTask: one throttle is no failure", async () => {
    const launcher = createEcsTaskLauncher(ecs, ecsConfig(server));
    server.failNext("RunTask", { error: "ThrottlingException", message: "Rate exceeded" });
    server.requests.length = 0;
    const task = await launcher.launch(request());
    expect(server.requests.map((r) => `${r.operation} ${r.status}`)).toEqual(["RunTask 400", "RunTask 200"]);
    expect(server.task(task.taskId)?.desiredStatus).toBe("RUNNING");
  });

  it("stops with the reason (cut to ECS's 255 characters); a task the cluster never had is no error; other errors are", async () => {
    const config = ecsConfig(server);
    const launcher = createEcsTaskLauncher(ecs, config);
    const task = await launcher.launch(request());
    await launcher.stop(task.taskId, `stuck: ${"x".repeat(300)}`);
    expect(server.task(task.taskId)).toMatchObject({ lastStatus: "STOPPED", desiredStatus: "STOPPED", stopCode: "UserInitiated" });
    expect(server.task(task.taskId)!.stoppedReason).toHaveLength(255);
    await launcher.stop(`arn:aws:ecs:us-east-1:000000000000:task/${config.cluster}/${"0".repeat(32)}`, "never there");
    expect(server.requests.at(-1)).toMatchObject({ operation: "StopTask", status: 400, error: "InvalidParameterException" });
    server.failNext("StopTask", { error: "AccessDeniedException", message: "not allowed" });
    await expect(launcher.stop(task.taskId, "denied")).rejects.toMatchObject({ name: "AccessDeniedException" });
  });

  it("gets what ECS refuses refused: a task definition the launcher names wrongly is TaskLaunchFailed, not worth retrying", async () => {
    const launcher = createEcsTaskLauncher(ecs, ecsConfig(server, { fargateTaskDefinition: "vos-worker-gpu:7" }));
    const failure = await launcher.launch(request()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TaskLaunchFailed);
    expect(failure).toMatchObject({ retryable: false, message: expect.stringContaining("does not support launch_type FARGATE") });
    const unknownProvider = createEcsTaskLauncher(ecs, ecsConfig(server, { gpu: { taskDefinition: "vos-worker-gpu:7", capacityProvider: "not-on-this-cluster" } }));
    await expect(unknownProvider.launch(request({ sizeBytes: 3 * GiB }))).rejects.toMatchObject({ retryable: false, message: expect.stringContaining("not associated with the cluster") });
  });
});
