import { z } from "zod";
import { defaultOf, fields, parseEnvironment, SHARED_SETTINGS, sharedConfig, type SharedConfig } from "../../config.js";
import { VisibleError } from "../../error.js";
import { redactSecret } from "../../log.js";
import { AUTH_SETTINGS, readAuth, type AuthConfig } from "../../auth/index.js";
import type { EcsLaunchConfig } from "../../launcher/ecs.js";

const GiB = 1024 ** 3;
const { integer, flag } = fields;

/** What runs the cloud runtime: each function and the worker task check only what they use. */
export const CLOUD_ROLES = ["api", "worker", "dispatch", "task-events", "reconciler", "migrate", "pinecone-index", "bake-model", "intake"] as const;
export type CloudRole = (typeof CLOUD_ROLES)[number];

const csv = z
  .string()
  .transform((value) => value.split(",").map((item) => item.trim()).filter(Boolean))
  .pipe(z.array(z.string()).min(1, "expected at least one comma-separated value"));
const url = z.url();
/** `https://` is added to a bare host name, as the Pinecone SDK does. */
const host = z
  .string()
  .min(1)
  .transform((value) => (/^https?:\/\//.test(value) ? value : `https://${value}`))
  .pipe(z.url());
const bucket = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "expected an S3 bucket name");

/**
 * Every variable the AWS runtime reads, validated once at start-up. Each key is the variable's
 * name; `describe` is what docs/cloud-runtime.md's table and the error messages print. Which ones
 * are required depends on the role (see `NEEDS`).
 */
const schema = z.object({
  AWS_REGION: z.string().min(1).optional().describe("AWS region of every resource (set by Lambda; set it on the task)"),
  AWS_ENDPOINT_URL: url.optional().describe("one endpoint for every AWS service (a local emulator); S3 then uses path-style URLs"),
  VOS_DATABASE_SECRET_ARN: z.string().min(1).optional().describe("Secrets Manager secret of the RDS database (JSON: host, port, username, password, dbname)"),
  VOS_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "expected postgres://user:password@host:port/database").optional().describe("PostgreSQL URL, instead of the secret"),
  VOS_DATABASE_SSL: z.enum(["require", "verify-full", "disable"]).default("require").describe("TLS to the database built from the secret"),
  VOS_UPLOADS_BUCKET: bucket.optional().describe("S3 bucket of uploaded videos"),
  VOS_FRAMES_BUCKET: bucket.optional().describe("S3 bucket of frame thumbnails"),
  VOS_JOBS_QUEUE_URL: url.optional().describe("SQS queue of ingest jobs"),
  VOS_DEAD_LETTER_QUEUE_URL: url.optional().describe("SQS dead-letter queue of jobs that gave up"),
  VOS_ALERTS_TOPIC_ARN: z.string().startsWith("arn:").optional().describe("SNS topic told about every job that gives up (optional)"),
  VOS_PINECONE_INDEX: z.string().regex(/^[a-z0-9][a-z0-9-]{0,44}$/, "expected a Pinecone index name (lower-case letters, digits, '-')").optional().describe("Pinecone index name"),
  VOS_PINECONE_HOST: host.optional().describe("Pinecone index host (default: looked up by name)"),
  VOS_PINECONE_CONTROLLER_HOST: host.optional().describe("Pinecone control-plane URL (default: Pinecone's)"),
  PINECONE_API_KEY: z.string().min(1).optional().describe("Pinecone API key (Lambda functions read the bound SST secret when unset)"),
  VOS_PINECONE_CLOUD: z.enum(["aws", "gcp", "azure"]).default("aws").describe("cloud of a serverless index the index script creates"),
  VOS_PINECONE_REGION: z.string().min(1).default("us-east-1").describe("region of a serverless index the index script creates"),
  VOS_EMBED_DIMENSION: integer(1, 20000).default(512).describe("vector dimension of the model (the index script creates the index with it)"),
  VOS_MODEL_CACHE: z.string().min(1).optional().describe("folder of downloaded models (the worker image bakes the model here)"),
  VOS_ECS_CLUSTER: z.string().min(1).optional().describe("ECS cluster worker tasks run in"),
  VOS_FARGATE_TASK_DEFINITION: z.string().min(1).optional().describe("task definition (family or ARN) of the Fargate worker"),
  VOS_GPU_TASK_DEFINITION: z.string().min(1).optional().describe("task definition of the GPU worker"),
  VOS_GPU_CAPACITY_PROVIDER: z.string().min(1).optional().describe("ECS capacity provider of the GPU instances"),
  VOS_TASK_SUBNETS: csv.optional().describe("subnets of worker tasks, comma-separated"),
  VOS_TASK_SECURITY_GROUPS: csv.optional().describe("security groups of worker tasks, comma-separated"),
  VOS_ASSIGN_PUBLIC_IP: flag.default(false).describe("give worker tasks a public IP (subnets without a NAT gateway)"),
  VOS_LAUNCH: z.enum(["fargate", "gpu", "auto"]).default("auto").describe("where jobs run: fargate, gpu, or auto (GPU from VOS_GPU_MIN_BYTES)"),
  VOS_GPU_MIN_BYTES: integer(0, 1024 * GiB).default(2 * GiB).describe("with VOS_LAUNCH=auto, videos at least this large run on the GPU"),
  VOS_MAX_TASKS: integer(1, 5000).default(10).describe("worker tasks running at once, at most"),
  VOS_WEB_ORIGIN: csv.optional().describe("origins allowed to call the API from a browser (CORS), comma-separated, or *"),
  VOS_DEV_WORKERS: z.enum(["local", "ecs"]).optional().describe("sst dev: local runs jobs as worker processes on the developer's machine (the stack sets it in dev mode); ecs or unset: ECS tasks"),
  VOS_DEV_WORKER_DIR: z.string().min(1).optional().describe("sst dev with local workers: the folder holding packages/worker (default: the repository sst dev runs in)"),
  ...AUTH_SETTINGS,
  ...SHARED_SETTINGS,
});

type Parsed = z.output<typeof schema>;
type Group = "region" | "database" | "storage" | "jobs" | "deadLetters" | "pinecone" | "ecs";

/** The variables each role cannot start without (the Pinecone key may also come from SST). */
const NEEDS: Record<CloudRole, Group[]> = {
  api: ["region", "database", "storage", "jobs", "deadLetters", "pinecone"],
  worker: ["region", "database", "storage", "jobs", "deadLetters", "pinecone"],
  dispatch: ["region", "database", "jobs", "deadLetters", "ecs"],
  "task-events": ["region", "database", "storage", "jobs", "deadLetters", "pinecone"],
  reconciler: ["region", "database", "storage", "jobs", "deadLetters", "pinecone"],
  migrate: ["region", "database"],
  "pinecone-index": ["pinecone"],
  /** The worker image's build step: only the model settings. */
  "bake-model": [],
  /** The drop folder: registers files put under incoming/; replacing a file removes the older video's vectors. */
  intake: ["region", "database", "storage", "jobs", "pinecone"],
};

const GROUP_VARIABLES: Record<Group, (keyof Parsed)[]> = {
  region: ["AWS_REGION"],
  database: [],
  storage: ["VOS_UPLOADS_BUCKET", "VOS_FRAMES_BUCKET"],
  jobs: ["VOS_JOBS_QUEUE_URL"],
  deadLetters: ["VOS_DEAD_LETTER_QUEUE_URL"],
  pinecone: ["VOS_PINECONE_INDEX"],
  ecs: ["VOS_ECS_CLUSTER", "VOS_FARGATE_TASK_DEFINITION", "VOS_TASK_SUBNETS", "VOS_TASK_SECURITY_GROUPS"],
};

export type DatabaseSource = { kind: "secret"; secretArn: string; ssl: "require" | "verify-full" | "disable" } | { kind: "url"; url: string };

export interface CloudConfig extends SharedConfig {
  role: CloudRole;
  region: string;
  /** Set when AWS calls go to one local endpoint (an emulator). */
  endpointUrl?: string;
  database?: DatabaseSource;
  storage?: { uploadsBucket: string; framesBucket: string };
  queues: { jobs?: string; deadLetters?: string };
  alertsTopicArn?: string;
  pinecone?: {
    index: string;
    host?: string;
    controllerHost?: string;
    /** Absent in Lambda functions, which read the bound SST secret instead. */
    apiKey?: string;
    cloud: "aws" | "gcp" | "azure";
    region: string;
    dimension: number;
  };
  ecs?: EcsLaunchConfig;
  /** VOS_MAX_TASKS, also without ECS (the cloud mode on one machine runs workers as processes). */
  maxTasks: number;
  webOrigins?: string[];
  modelCacheDir?: string;
  /** Sign-in for the api role; absent with VOS_AUTH=off (every caller is `tenant`). */
  auth?: AuthConfig;
}

/** The table docs/cloud-runtime.md prints: name, purpose, default. */
export const CLOUD_SETTINGS = Object.entries(schema.shape).map(([name, field]) => ({
  name,
  description: field.description ?? "",
  default: defaultOf(field),
}));

/**
 * Reads and validates the cloud runtime's environment once, at start-up. A missing or invalid
 * variable stops the process with a message naming it; what is required depends on `role` (the
 * migrate script needs only the database, the dispatcher the ECS settings, ...).
 */
export function loadCloudConfig(env: NodeJS.ProcessEnv = process.env, role: CloudRole = "worker"): CloudConfig {
  const c = parseEnvironment(schema, env);
  redactSecret(c.PINECONE_API_KEY);
  if (c.VOS_DATABASE_URL && URL.canParse(c.VOS_DATABASE_URL)) redactSecret(decodeURIComponent(new URL(c.VOS_DATABASE_URL).password));
  const needs = NEEDS[role];
  const missing = needs.flatMap((group) => GROUP_VARIABLES[group].filter((name) => c[name] === undefined));
  if (needs.includes("database") && !c.VOS_DATABASE_SECRET_ARN && !c.VOS_DATABASE_URL) missing.push("VOS_DATABASE_SECRET_ARN");
  if (c.VOS_LAUNCH === "gpu" && needs.includes("ecs")) {
    for (const name of ["VOS_GPU_TASK_DEFINITION", "VOS_GPU_CAPACITY_PROVIDER"] as const) if (!c[name]) missing.push(name);
  }
  // A task has no SST binding to fall back on: its key arrives as a secret in its environment.
  if (role === "worker" && !c.PINECONE_API_KEY) missing.push("PINECONE_API_KEY");
  // The API refuses to start open to anyone unless that is asked for by name.
  const { auth, missing: authMissing } = role === "api" ? readAuth(c, "cognito") : { missing: [] };
  missing.push(...authMissing);
  if (missing.length > 0) {
    const lines = missing.map((name) => {
      const description = schema.shape[name].description ?? "";
      const alternative =
        name === "VOS_DATABASE_SECRET_ARN"
          ? " (or VOS_DATABASE_URL)"
          : name === "PINECONE_API_KEY"
            ? " (the task definition injects it from SSM)"
            : name.startsWith("VOS_AUTH_") ? " (or VOS_AUTH=off for an API without sign-in)" : "";
      return `${name}${alternative} is not set: ${description}`;
    });
    throw new VisibleError("config.invalid", `Invalid configuration for the ${role} function:\n  ${lines.join("\n  ")}`);
  }

  const gpu = c.VOS_GPU_TASK_DEFINITION && c.VOS_GPU_CAPACITY_PROVIDER ? { taskDefinition: c.VOS_GPU_TASK_DEFINITION, capacityProvider: c.VOS_GPU_CAPACITY_PROVIDER } : undefined;
  const ecs: EcsLaunchConfig | undefined =
    c.VOS_ECS_CLUSTER && c.VOS_FARGATE_TASK_DEFINITION && c.VOS_TASK_SUBNETS && c.VOS_TASK_SECURITY_GROUPS
      ? {
          cluster: c.VOS_ECS_CLUSTER,
          fargateTaskDefinition: c.VOS_FARGATE_TASK_DEFINITION,
          ...(gpu ? { gpu } : {}),
          subnets: c.VOS_TASK_SUBNETS,
          securityGroups: c.VOS_TASK_SECURITY_GROUPS,
          assignPublicIp: c.VOS_ASSIGN_PUBLIC_IP,
          launch: c.VOS_LAUNCH,
          gpuMinBytes: c.VOS_GPU_MIN_BYTES,
          maxTasks: c.VOS_MAX_TASKS,
        }
      : undefined;

  return {
    role,
    region: c.AWS_REGION ?? "us-east-1",
    ...(c.AWS_ENDPOINT_URL ? { endpointUrl: c.AWS_ENDPOINT_URL } : {}),
    ...(c.VOS_DATABASE_URL
      ? { database: { kind: "url" as const, url: c.VOS_DATABASE_URL } }
      : c.VOS_DATABASE_SECRET_ARN
        ? { database: { kind: "secret" as const, secretArn: c.VOS_DATABASE_SECRET_ARN, ssl: c.VOS_DATABASE_SSL } }
        : {}),
    ...(c.VOS_UPLOADS_BUCKET && c.VOS_FRAMES_BUCKET ? { storage: { uploadsBucket: c.VOS_UPLOADS_BUCKET, framesBucket: c.VOS_FRAMES_BUCKET } } : {}),
    queues: {
      ...(c.VOS_JOBS_QUEUE_URL ? { jobs: c.VOS_JOBS_QUEUE_URL } : {}),
      ...(c.VOS_DEAD_LETTER_QUEUE_URL ? { deadLetters: c.VOS_DEAD_LETTER_QUEUE_URL } : {}),
    },
    ...(c.VOS_ALERTS_TOPIC_ARN ? { alertsTopicArn: c.VOS_ALERTS_TOPIC_ARN } : {}),
    ...(c.VOS_PINECONE_INDEX
      ? {
          pinecone: {
            index: c.VOS_PINECONE_INDEX,
            ...(c.VOS_PINECONE_HOST ? { host: c.VOS_PINECONE_HOST } : {}),
            ...(c.VOS_PINECONE_CONTROLLER_HOST ? { controllerHost: c.VOS_PINECONE_CONTROLLER_HOST } : {}),
            ...(c.PINECONE_API_KEY ? { apiKey: c.PINECONE_API_KEY } : {}),
            cloud: c.VOS_PINECONE_CLOUD,
            region: c.VOS_PINECONE_REGION,
            dimension: c.VOS_EMBED_DIMENSION,
          },
        }
      : {}),
    ...(ecs ? { ecs } : {}),
    maxTasks: c.VOS_MAX_TASKS,
    ...(c.VOS_WEB_ORIGIN ? { webOrigins: c.VOS_WEB_ORIGIN } : {}),
    ...sharedConfig(c),
    ...(c.VOS_MODEL_CACHE ? { modelCacheDir: c.VOS_MODEL_CACHE } : {}),
    ...(auth ? { auth } : {}),
  };
}

/** Throws the start-up error for a part of the configuration this role did not load. */
export function required<T>(value: T | undefined, what: string, variables: string): T {
  if (value === undefined) throw new VisibleError("config.invalid", `${what} is not configured for this function: set ${variables}.`);
  return value;
}
