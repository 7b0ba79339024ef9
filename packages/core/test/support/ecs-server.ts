/**
 * A server that speaks Amazon ECS's JSON 1.1 protocol, for tests of the ECS task launcher with the
 * real SDK (`@aws-sdk/client-ecs` pointed at it with `endpoint` and any credentials). It answers
 * what the launcher and a test of it need: RunTask, ListTasks, StopTask and DescribeTasks, on
 * clusters and task definitions the test registers, and checks requests as ECS does:
 *
 * - the wire: POST /, `x-amz-target: AmazonEC2ContainerServiceV20141113.<Operation>`,
 *   `content-type: application/x-amz-json-1.1`, a SigV4 `authorization` for the `ecs` service (its
 *   presence and scope, not its signature); errors as `{"__type": "com.amazonaws.ecs#<Name>",
 *   "message"}`, status 400 (500 for ServerException);
 * - RunTask: the cluster (ClusterNotFoundException), the task definition (`family`,
 *   `family:revision` or its ARN), launchType or capacityProviderStrategy but not both, the launch
 *   type among the definition's compatibilities, capacity providers associated with the cluster, a
 *   network configuration for awsvpc definitions, container overrides only for the definition's
 *   containers, count 1-10, startedBy up to 128 characters; clientToken (up to 64 printable ASCII
 *   characters) makes it idempotent per cluster: the same token with the same request answers the
 *   task it started, with another request ConflictException;
 * - ListTasks: by startedBy (alone: ECS refuses it with family, serviceName, containerInstance or
 *   launchType, "cannot specify startedBy with other arguments"; desiredStatus may go with it),
 *   desiredStatus (RUNNING by default; PENDING never matches, as on ECS), family and launchType,
 *   pages of maxResults (1-100, default 100) with an opaque nextToken;
 * - StopTask: by ARN or id, reason up to 255 characters; the task goes STOPPED at once; a stopped
 *   task can be stopped again; a task the cluster never had is InvalidParameterException "The
 *   referenced task was not found.";
 * - DescribeTasks: up to 100 tasks, the unknown ones as failures with reason MISSING.
 *
 * Tests drive the tasks' lives (`setLastStatus`, `exit`: the essential container ended) and can
 * inject faults (`failNext`: an error, or a RunTask that answers failures[] instead of a task).
 *
 * Not modeled: the intermediate states of starting and stopping (a new task is PROVISIONING until a
 * test moves it; a stopped one is STOPPED at once), capacity (every valid RunTask starts its tasks
 * unless a fault says otherwise), the 24-hour life of a client token and of stopped tasks, task
 * definitions' CPU, memory and images, placement, tags, the cluster's default capacity provider
 * strategy (no launch type and no strategy means EC2), the SigV4 signature itself, and every
 * operation besides these four (UnknownOperationException).
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

const TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113.";
const ACCOUNT = "000000000000";
const LIST_LIMIT = 100;
const DESCRIBE_LIMIT = 100;

export type EcsOperation = "RunTask" | "ListTasks" | "StopTask" | "DescribeTasks";
export type LastStatus = "PROVISIONING" | "PENDING" | "ACTIVATING" | "RUNNING" | "DEACTIVATING" | "STOPPING" | "DEPROVISIONING" | "STOPPED";

export interface EcsTaskDefinition {
  family: string;
  revision: number;
  arn: string;
  containers: string[];
  compatibilities: ("FARGATE" | "EC2")[];
  networkMode: "awsvpc" | "bridge" | "host";
}

interface Container {
  name: string;
  lastStatus: string;
  exitCode?: number;
  reason?: string;
}

/** A task as the server keeps it. */
export interface EcsTask {
  arn: string;
  id: string;
  cluster: string;
  /** Creation order, for stable pages. */
  seq: number;
  definition: EcsTaskDefinition;
  lastStatus: LastStatus;
  desiredStatus: "RUNNING" | "STOPPED";
  launchType?: "FARGATE" | "EC2";
  capacityProviderName?: string;
  startedBy?: string;
  /** The container overrides RunTask gave. */
  overrides: { containerOverrides: { name: string; environment?: { name: string; value: string }[] }[] };
  containers: Container[];
  createdAt: number;
  stoppedAt?: number;
  stopCode?: "UserInitiated" | "EssentialContainerExited" | "TaskFailedToStart";
  stoppedReason?: string;
}

export interface LoggedEcsRequest {
  operation: string;
  input: Record<string, unknown>;
  status: number;
  /** The error's name, when one was answered. */
  error?: string;
}

/** What an injected fault answers: an error, or (RunTask only) no task and these failures. */
export type EcsFault = { error: string; message?: string; status?: number } | { failures: { reason: string; detail?: string }[] };

export interface EcsServer {
  /** The SDK's `endpoint`. */
  endpoint: string;
  region: string;
  /** A cluster, with the capacity providers associated with it. Returns its ARN. */
  createCluster(name: string, options?: { capacityProviders?: string[] }): string;
  /** A task definition revision (ACTIVE). Returns its ARN. */
  registerTaskDefinition(definition: { family: string; revision?: number; containers: string[]; compatibilities: ("FARGATE" | "EC2")[]; networkMode?: EcsTaskDefinition["networkMode"] }): string;
  /** Every task of a cluster, stopped ones included, in the order they started. */
  tasks(cluster: string): EcsTask[];
  /** A task by ARN or id, in any cluster. */
  task(taskArnOrId: string): EcsTask | undefined;
  /** The environment variables a task's container override for `container` set. */
  environmentOf(taskArnOrId: string, container: string): Record<string, string>;
  /** Moves a task along its life (PROVISIONING -> PENDING -> RUNNING). */
  setLastStatus(taskArnOrId: string, status: Exclude<LastStatus, "STOPPED">): void;
  /** The task's essential container exited: the task is STOPPED, as when a worker ends on its own. */
  exit(taskArnOrId: string, exitCode: number, reason?: string): void;
  /** The next `count` requests of `operation` answer `fault` instead. */
  failNext(operation: EcsOperation, fault: EcsFault, count?: number): void;
  requests: LoggedEcsRequest[];
  close(): Promise<void>;
}

class EcsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new EcsError("InvalidParameterException", message);
const clusterNotFound = () => new EcsError("ClusterNotFoundException", "Cluster not found.");

/** JSON with sorted keys: two requests are "the same parameters" when this is equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

const optionalString = (input: Record<string, unknown>, key: string): string | undefined => {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new EcsError("SerializationException", `${key} must be a string`);
  return value;
};

export async function startEcsServer(options: { region?: string } = {}): Promise<EcsServer> {
  const region = options.region ?? "us-east-1";
  const clusters = new Map<string, { name: string; arn: string; capacityProviders: Set<string>; tokens: Map<string, { request: string; taskArns: string[] }> }>();
  const definitions = new Map<string, EcsTaskDefinition>();
  const tasks = new Map<string, EcsTask>();
  const faults: { operation: EcsOperation; fault: EcsFault; remaining: number }[] = [];
  const requests: LoggedEcsRequest[] = [];
  let seq = 0;

  const arn = (resource: string) => `arn:aws:ecs:${region}:${ACCOUNT}:${resource}`;
  const clusterOf = (reference: string | undefined) => {
    const ref = reference ?? "default";
    const name = ref.startsWith("arn:") ? /:cluster\/(.+)$/.exec(ref)?.[1] : ref;
    const cluster = name ? clusters.get(name) : undefined;
    if (!cluster || (ref.startsWith("arn:") && ref !== cluster.arn)) throw clusterNotFound();
    return cluster;
  };
  const findTask = (reference: string) => {
    const byArn = tasks.get(reference);
    if (byArn) return byArn;
    return [...tasks.values()].find((task) => task.id === reference);
  };
  const taskIn = (cluster: { name: string }, reference: string) => {
    const task = findTask(reference);
    return task && task.cluster === cluster.name ? task : undefined;
  };
  const definitionOf = (reference: string) => {
    const ref = reference.startsWith("arn:") ? (/:task-definition\/(.+)$/.exec(reference)?.[1] ?? "") : reference;
    const [family, revision] = ref.split(":");
    const candidates = [...definitions.values()].filter((d) => d.family === family && (revision === undefined || String(d.revision) === revision));
    const definition = candidates.sort((a, b) => b.revision - a.revision)[0];
    if (!definition || (reference.startsWith("arn:") && reference !== definition.arn)) throw invalid("TaskDefinition not found.");
    return definition;
  };

  const describe = (task: EcsTask) => ({
    taskArn: task.arn,
    clusterArn: arn(`cluster/${task.cluster}`),
    taskDefinitionArn: task.definition.arn,
    group: `family:${task.definition.family}`,
    lastStatus: task.lastStatus,
    desiredStatus: task.desiredStatus,
    ...(task.launchType ? { launchType: task.launchType } : {}),
    ...(task.capacityProviderName ? { capacityProviderName: task.capacityProviderName } : {}),
    ...(task.startedBy ? { startedBy: task.startedBy } : {}),
    overrides: { containerOverrides: task.overrides.containerOverrides, inferenceAcceleratorOverrides: [] },
    containers: task.containers.map((c) => ({
      containerArn: arn(`container/${task.cluster}/${task.id}/${createHash("sha1").update(c.name).digest("hex").slice(0, 8)}`),
      taskArn: task.arn,
      name: c.name,
      lastStatus: c.lastStatus,
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      ...(c.reason ? { reason: c.reason } : {}),
    })),
    createdAt: task.createdAt,
    ...(task.stoppedAt !== undefined ? { stoppedAt: task.stoppedAt, stoppingAt: task.stoppedAt } : {}),
    ...(task.stopCode ? { stopCode: task.stopCode } : {}),
    ...(task.stoppedReason ? { stoppedReason: task.stoppedReason } : {}),
    version: task.lastStatus === "STOPPED" ? 3 : task.lastStatus === "RUNNING" ? 2 : 1,
    availabilityZone: `${region}a`,
    attachments: [],
  });

  const stopTask = (task: EcsTask, code: NonNullable<EcsTask["stopCode"]>, reason: string, exitCode?: number) => {
    if (task.lastStatus === "STOPPED") return;
    task.lastStatus = "STOPPED";
    task.desiredStatus = "STOPPED";
    task.stopCode = code;
    task.stoppedReason = reason;
    task.stoppedAt = Date.now() / 1000;
    for (const container of task.containers) {
      container.lastStatus = "STOPPED";
      if (exitCode !== undefined) container.exitCode = exitCode;
    }
  };

  function runTask(input: Record<string, unknown>) {
    const cluster = clusterOf(optionalString(input, "cluster"));
    const definitionRef = optionalString(input, "taskDefinition");
    if (!definitionRef) throw invalid("TaskDefinition can not be blank.");
    const launchType = optionalString(input, "launchType");
    const strategy = input.capacityProviderStrategy as { capacityProvider?: string; weight?: number; base?: number }[] | undefined;
    if (launchType && strategy?.length) {
      throw invalid("Specifying both a launch type and capacity provider strategy is not supported. Either a launch type or capacity provider strategy must be specified, but not both.");
    }
    const count = input.count === undefined ? 1 : Number(input.count);
    if (!Number.isInteger(count) || count < 1 || count > 10) throw invalid("count must be between 1 and 10.");
    const startedBy = optionalString(input, "startedBy");
    if (startedBy !== undefined && (startedBy.length > 128 || !/^[A-Za-z0-9_/-]*$/.test(startedBy))) {
      throw invalid("startedBy must be at most 128 letters, numbers, hyphens, forward slashes and underscores.");
    }
    const clientToken = optionalString(input, "clientToken");
    if (clientToken !== undefined && (clientToken.length < 1 || clientToken.length > 64 || !/^[\x21-\x7e]+$/.test(clientToken))) {
      throw invalid("clientToken must be 1 to 64 ASCII characters in the range 33-126.");
    }
    const definition = definitionOf(definitionRef);

    let capacityProviderName: string | undefined;
    let effectiveLaunchType: "FARGATE" | "EC2" | undefined;
    if (strategy?.length) {
      for (const item of strategy) {
        if (!item.capacityProvider || !cluster.capacityProviders.has(item.capacityProvider)) {
          throw invalid(`The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.`);
        }
      }
      capacityProviderName = strategy[0]!.capacityProvider!;
      if (!definition.compatibilities.includes("EC2") && !capacityProviderName.startsWith("FARGATE")) {
        throw invalid(`Task definition does not support launch_type EC2.`);
      }
    } else {
      effectiveLaunchType = (launchType ?? "EC2") as "FARGATE" | "EC2";
      if (effectiveLaunchType !== "FARGATE" && effectiveLaunchType !== "EC2") throw invalid(`launchType ${String(launchType)} is not supported here.`);
      if (!definition.compatibilities.includes(effectiveLaunchType)) throw invalid(`Task definition does not support launch_type ${effectiveLaunchType}.`);
    }
    const network = input.networkConfiguration as { awsvpcConfiguration?: { subnets?: string[] } } | undefined;
    if (definition.networkMode === "awsvpc" && !network?.awsvpcConfiguration?.subnets?.length) {
      throw invalid("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
    }
    const overrides = (input.overrides ?? {}) as EcsTask["overrides"];
    const containerOverrides = overrides.containerOverrides ?? [];
    for (const override of containerOverrides) {
      if (!definition.containers.includes(override.name)) throw invalid(`Override for container named ${override.name} is not a container in the TaskDefinition.`);
    }

    const { clientToken: _token, ...parameters } = input;
    const request = canonical(parameters);
    if (clientToken !== undefined) {
      const earlier = cluster.tokens.get(clientToken);
      if (earlier) {
        if (earlier.request !== request) {
          throw new EcsError("ConflictException", "The request uses the same client token as a previous, but non-identical request. Do not reuse a client token with different requests, unless the requests are identical.");
        }
        return { tasks: earlier.taskArns.map((taskArn) => describe(tasks.get(taskArn)!)), failures: [] };
      }
    }

    const started: EcsTask[] = [];
    for (let i = 0; i < count; i++) {
      const id = randomBytes(16).toString("hex");
      const task: EcsTask = {
        arn: arn(`task/${cluster.name}/${id}`),
        id,
        cluster: cluster.name,
        seq: seq++,
        definition,
        lastStatus: "PROVISIONING",
        desiredStatus: "RUNNING",
        ...(effectiveLaunchType ? { launchType: effectiveLaunchType } : {}),
        ...(capacityProviderName ? { capacityProviderName } : {}),
        ...(startedBy ? { startedBy } : {}),
        overrides: { containerOverrides },
        containers: definition.containers.map((name) => ({ name, lastStatus: "PENDING" })),
        createdAt: Date.now() / 1000,
      };
      tasks.set(task.arn, task);
      started.push(task);
    }
    if (clientToken !== undefined) cluster.tokens.set(clientToken, { request, taskArns: started.map((t) => t.arn) });
    return { tasks: started.map(describe), failures: [] };
  }

  function listTasks(input: Record<string, unknown>) {
    const cluster = clusterOf(optionalString(input, "cluster"));
    const startedBy = optionalString(input, "startedBy");
    const family = optionalString(input, "family");
    const launchType = optionalString(input, "launchType");
    if (startedBy !== undefined && (family !== undefined || launchType !== undefined || input.serviceName !== undefined || input.containerInstance !== undefined)) {
      throw invalid("cannot specify startedBy with other arguments");
    }
    if (input.serviceName !== undefined || input.containerInstance !== undefined) throw invalid("serviceName and containerInstance filters are not supported by this test server.");
    const desiredStatus = optionalString(input, "desiredStatus") ?? "RUNNING";
    if (!["RUNNING", "PENDING", "STOPPED"].includes(desiredStatus)) throw invalid(`desiredStatus must be RUNNING, PENDING or STOPPED.`);
    const maxResults = input.maxResults === undefined ? LIST_LIMIT : Number(input.maxResults);
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > LIST_LIMIT) throw invalid(`maxResults must be between 1 and ${LIST_LIMIT}.`);
    let after = -1;
    const nextToken = optionalString(input, "nextToken");
    if (nextToken !== undefined) {
      const decoded = /^after:(\d+)$/.exec(Buffer.from(nextToken, "base64url").toString());
      if (!decoded) throw invalid("Invalid nextToken.");
      after = Number(decoded[1]);
    }
    const matching = [...tasks.values()]
      .filter((task) => task.cluster === cluster.name && task.desiredStatus === desiredStatus && task.seq > after)
      .filter((task) => (startedBy === undefined || task.startedBy === startedBy) && (family === undefined || task.definition.family === family))
      .filter((task) => launchType === undefined || task.launchType === launchType)
      .sort((a, b) => a.seq - b.seq);
    const page = matching.slice(0, maxResults);
    return {
      taskArns: page.map((task) => task.arn),
      ...(matching.length > maxResults ? { nextToken: Buffer.from(`after:${page[page.length - 1]!.seq}`).toString("base64url") } : {}),
    };
  }

  function stopTaskOperation(input: Record<string, unknown>) {
    const cluster = clusterOf(optionalString(input, "cluster"));
    const reference = optionalString(input, "task");
    if (!reference) throw invalid("Task can not be blank.");
    const reason = optionalString(input, "reason");
    if (reason !== undefined && reason.length > 255) throw invalid("Reason must be at most 255 characters.");
    const task = taskIn(cluster, reference);
    if (!task) throw invalid("The referenced task was not found.");
    stopTask(task, "UserInitiated", reason ?? "Task stopped by user", 143);
    return { task: describe(task) };
  }

  function describeTasks(input: Record<string, unknown>) {
    const cluster = clusterOf(optionalString(input, "cluster"));
    const references = input.tasks as string[] | undefined;
    if (!references?.length) throw invalid("Tasks cannot be empty.");
    if (references.length > DESCRIBE_LIMIT) throw invalid(`Tasks can have at most ${DESCRIBE_LIMIT} items.`);
    const found = references.map((reference) => [reference, taskIn(cluster, reference)] as const);
    return {
      tasks: found.flatMap(([, task]) => (task ? [describe(task)] : [])),
      failures: found.flatMap(([reference, task]) => (task ? [] : [{ arn: reference.startsWith("arn:") ? reference : arn(`task/${cluster.name}/${reference}`), reason: "MISSING" }])),
    };
  }

  const operations: Record<EcsOperation, (input: Record<string, unknown>) => unknown> = {
    RunTask: runTask,
    ListTasks: listTasks,
    StopTask: stopTaskOperation,
    DescribeTasks: describeTasks,
  };

  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = String(request.headers["x-amz-target"] ?? "");
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    const log: LoggedEcsRequest = { operation, input: {}, status: 200 };
    requests.push(log);
    const reply = (status: number, body: unknown) => {
      log.status = status;
      response.writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": randomUUID() });
      response.end(JSON.stringify(body));
    };
    try {
      if (request.method !== "POST" || (request.url ?? "/") !== "/") throw new EcsError("UnknownOperationException", `No route ${request.method} ${request.url}`, 404);
      if (!String(request.headers["content-type"] ?? "").startsWith("application/x-amz-json-1.1")) throw new EcsError("SerializationException", "content-type must be application/x-amz-json-1.1");
      const authorization = String(request.headers.authorization ?? "");
      if (!authorization.startsWith("AWS4-HMAC-SHA256 ") || !authorization.includes(`/${region}/ecs/aws4_request`)) {
        throw new EcsError("IncompleteSignatureException", `Expected a SigV4 authorization for ecs in ${region}, got: ${authorization || "none"}`, 403);
      }
      if (!target.startsWith(TARGET_PREFIX) || !(operation in operations)) throw new EcsError("UnknownOperationException", `Unknown operation ${target}`);
      try {
        log.input = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>) : {};
      } catch {
        throw new EcsError("SerializationException", "The request body is not JSON.");
      }
      const fault = faults.find((f) => f.operation === operation && f.remaining > 0);
      if (fault) {
        fault.remaining--;
        if ("failures" in fault.fault) {
          reply(200, { tasks: [], failures: fault.fault.failures.map((f) => ({ arn: arn(`container-instance/${randomBytes(16).toString("hex")}`), ...f })) });
          return;
        }
        throw new EcsError(fault.fault.error, fault.fault.message ?? fault.fault.error, fault.fault.status ?? (fault.fault.error === "ServerException" ? 500 : 400));
      }
      reply(200, operations[operation as EcsOperation](log.input));
    } catch (error) {
      if (error instanceof EcsError) {
        log.error = error.type;
        reply(error.status, { __type: `com.amazonaws.ecs#${error.type}`, message: error.message });
      } else {
        log.error = "ServerException";
        reply(500, { __type: "com.amazonaws.ecs#ServerException", message: error instanceof Error ? error.message : String(error) });
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const must = (reference: string) => {
    const task = findTask(reference);
    if (!task) throw new Error(`ecs-server: no task ${reference}`);
    return task;
  };

  return {
    endpoint,
    region,
    createCluster(name, clusterOptions = {}) {
      clusters.set(name, { name, arn: arn(`cluster/${name}`), capacityProviders: new Set(clusterOptions.capacityProviders ?? []), tokens: new Map() });
      return arn(`cluster/${name}`);
    },
    registerTaskDefinition(definition) {
      const revision = definition.revision ?? Math.max(0, ...[...definitions.values()].filter((d) => d.family === definition.family).map((d) => d.revision)) + 1;
      const registered: EcsTaskDefinition = {
        family: definition.family,
        revision,
        arn: arn(`task-definition/${definition.family}:${revision}`),
        containers: definition.containers,
        compatibilities: definition.compatibilities,
        networkMode: definition.networkMode ?? "awsvpc",
      };
      definitions.set(registered.arn, registered);
      return registered.arn;
    },
    tasks: (cluster) => [...tasks.values()].filter((task) => task.cluster === cluster).sort((a, b) => a.seq - b.seq),
    task: findTask,
    environmentOf(reference, container) {
      const override = must(reference).overrides.containerOverrides.find((c) => c.name === container);
      return Object.fromEntries((override?.environment ?? []).map((variable) => [variable.name, variable.value]));
    },
    setLastStatus(reference, status) {
      const task = must(reference);
      if (task.lastStatus === "STOPPED") throw new Error(`ecs-server: task ${reference} has stopped`);
      task.lastStatus = status;
      if (status === "RUNNING") for (const container of task.containers) container.lastStatus = "RUNNING";
    },
    exit(reference, exitCode, reason) {
      const task = must(reference);
      if (reason) for (const container of task.containers) container.reason = reason;
      stopTask(task, "EssentialContainerExited", "Essential container in task exited", exitCode);
    },
    failNext(operation, fault, count = 1) {
      faults.push({ operation, fault, remaining: count });
    },
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
