import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { CLOUD_SETTINGS, loadCloudConfig } from "../../src/runtime/cloud/config.js";
import { chooseLaunch } from "../../src/launcher/ecs.js";

const GiB = 1024 ** 3;
const full = {
  AWS_REGION: "eu-west-1",
  VOS_DATABASE_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
  VOS_UPLOADS_BUCKET: "vos-prod-uploads",
  VOS_FRAMES_BUCKET: "vos-prod-frames",
  VOS_JOBS_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/vos-jobs",
  VOS_DEAD_LETTER_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/vos-dead",
  VOS_PINECONE_INDEX: "vos-prod",
  PINECONE_API_KEY: "pc-key",
  VOS_ECS_CLUSTER: "vos",
  VOS_FARGATE_TASK_DEFINITION: "vos-worker-cpu",
  VOS_GPU_TASK_DEFINITION: "vos-worker-gpu",
  VOS_GPU_CAPACITY_PROVIDER: "vos-gpu",
  VOS_TASK_SUBNETS: "subnet-1, subnet-2",
  VOS_TASK_SECURITY_GROUPS: "sg-1",
  VOS_AUTH_ISSUER: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
  VOS_AUTH_CLIENT_ID: "4tq0example0client0id0abc",
};

describe("cloud configuration", () => {
  it("reads the deployed functions' variables, with defaults for the tuning ones", () => {
    const config = loadCloudConfig(full, "dispatch");
    expect(config).toMatchObject({
      role: "dispatch",
      region: "eu-west-1",
      database: { kind: "secret", secretArn: full.VOS_DATABASE_SECRET_ARN, ssl: "require" },
      storage: { uploadsBucket: "vos-prod-uploads", framesBucket: "vos-prod-frames" },
      queues: { jobs: full.VOS_JOBS_QUEUE_URL, deadLetters: full.VOS_DEAD_LETTER_QUEUE_URL },
      pinecone: { index: "vos-prod", apiKey: "pc-key", cloud: "aws", region: "us-east-1", dimension: 512 },
      ecs: {
        cluster: "vos",
        fargateTaskDefinition: "vos-worker-cpu",
        gpu: { taskDefinition: "vos-worker-gpu", capacityProvider: "vos-gpu" },
        subnets: ["subnet-1", "subnet-2"],
        securityGroups: ["sg-1"],
        assignPublicIp: false,
        launch: "auto",
        gpuMinBytes: 2 * GiB,
        maxTasks: 10,
      },
      tenant: "local",
      maxAttempts: 3,
      sampling: { fps: 1, dedup: true },
    });
    expect(config.endpointUrl).toBeUndefined();
  });

  it("takes a database URL instead of the secret, bare Pinecone hosts, CORS origins and tuning", () => {
    const config = loadCloudConfig(
      {
        ...full,
        VOS_DATABASE_SECRET_ARN: "",
        VOS_DATABASE_URL: "postgres://u:p@db:5432/vos",
        VOS_PINECONE_HOST: "vos-prod-abc.svc.pinecone.io",
        VOS_WEB_ORIGIN: "https://app.example.com,https://admin.example.com",
        VOS_MAX_ATTEMPTS: "5",
        VOS_MAX_TASKS: "40",
        VOS_LAUNCH: "gpu",
        AWS_ENDPOINT_URL: "http://127.0.0.1:4566",
      },
      "api",
    );
    expect(config.database).toEqual({ kind: "url", url: "postgres://u:p@db:5432/vos" });
    expect(config.pinecone?.host).toBe("https://vos-prod-abc.svc.pinecone.io");
    expect(config.webOrigins).toEqual(["https://app.example.com", "https://admin.example.com"]);
    expect(config).toMatchObject({ maxAttempts: 5, ecs: { maxTasks: 40, launch: "gpu" }, endpointUrl: "http://127.0.0.1:4566" });
  });

  it.each([
    ["api", "VOS_UPLOADS_BUCKET"],
    ["worker", "VOS_DEAD_LETTER_QUEUE_URL"],
    ["worker", "VOS_PINECONE_INDEX"],
    ["dispatch", "VOS_ECS_CLUSTER"],
    ["dispatch", "VOS_TASK_SUBNETS"],
    ["migrate", "VOS_DATABASE_SECRET_ARN"],
    ["task-events", "VOS_JOBS_QUEUE_URL"],
    ["api", "VOS_AUTH_ISSUER"],
    ["api", "VOS_AUTH_CLIENT_ID"],
  ] as const)("stops the %s function when %s is missing, naming it", (role, name) => {
    const env: Record<string, string> = { ...full };
    delete env[name];
    expect(() => loadCloudConfig(env, role)).toThrow(expect.objectContaining({ code: "config.invalid", message: expect.stringContaining(`${name}`) }));
  });

  it("asks each role only for what it uses", () => {
    expect(loadCloudConfig({ AWS_REGION: "eu-west-1", VOS_DATABASE_URL: "postgres://db/vos" }, "migrate").database).toBeDefined();
    expect(loadCloudConfig({ VOS_PINECONE_INDEX: "vos", PINECONE_API_KEY: "k", VOS_EMBED_DIMENSION: "768" }, "pinecone-index").pinecone?.dimension).toBe(768);
    const { VOS_ECS_CLUSTER: _, ...withoutEcs } = full;
    expect(loadCloudConfig(withoutEcs, "worker").ecs).toBeUndefined();
    // Lambda functions may leave the key to the bound SST secret.
    const { PINECONE_API_KEY: __, ...withoutKey } = full;
    expect(loadCloudConfig(withoutKey, "api").pinecone?.apiKey).toBeUndefined();
  });

  it("gives the api sign-in with the user pool's keys and Cognito endpoint, unless VOS_AUTH=off", () => {
    expect(loadCloudConfig(full, "api").auth).toEqual({
      issuer: full.VOS_AUTH_ISSUER,
      clientId: full.VOS_AUTH_CLIENT_ID,
      jwksUrl: `${full.VOS_AUTH_ISSUER}/.well-known/jwks.json`,
      endpoint: "https://cognito-idp.eu-west-1.amazonaws.com/",
      region: "eu-west-1",
    });
    const { VOS_AUTH_ISSUER: _, VOS_AUTH_CLIENT_ID: __, ...withoutAuth } = full;
    expect(() => loadCloudConfig(withoutAuth, "api")).toThrow(/VOS_AUTH_ISSUER \(or VOS_AUTH=off for an API without sign-in\) is not set/);
    expect(loadCloudConfig({ ...withoutAuth, VOS_AUTH: "off" }, "api").auth).toBeUndefined();
    // Only the api signs callers in.
    expect(loadCloudConfig(withoutAuth, "worker").auth).toBeUndefined();
    const emulator = loadCloudConfig({ ...full, VOS_AUTH_ISSUER: "http://127.0.0.1:9229/local_x1", VOS_AUTH_ENDPOINT: "http://127.0.0.1:9229/" }, "api").auth;
    expect(emulator).toMatchObject({ jwksUrl: "http://127.0.0.1:9229/local_x1/.well-known/jwks.json", endpoint: "http://127.0.0.1:9229/", region: "local" });
  });

  it.each([
    ["VOS_AUTH", "maybe"],
    ["VOS_AUTH_ISSUER", "not a url"],
    ["VOS_LAUNCH", "cuda"],
    ["VOS_MAX_TASKS", "0"],
    ["VOS_JOBS_QUEUE_URL", "not a url"],
    ["VOS_UPLOADS_BUCKET", "Bad_Bucket"],
    ["VOS_TASK_SUBNETS", " , "],
    ["VOS_DATABASE_URL", "mysql://db"],
    ["VOS_PINECONE_INDEX", "Has Spaces"],
  ])("stops on %s=%s with a message naming the variable", (name, value) => {
    expect(() => loadCloudConfig({ ...full, [name]: value }, "dispatch")).toThrow(
      expect.objectContaining({ code: "config.invalid", message: expect.stringContaining(`${name}=`) }),
    );
  });

  it("needs both GPU settings for VOS_LAUNCH=gpu, and runs auto without a GPU on Fargate", () => {
    const { VOS_GPU_CAPACITY_PROVIDER: _, ...noProvider } = full;
    expect(() => loadCloudConfig({ ...noProvider, VOS_LAUNCH: "gpu" }, "dispatch")).toThrow(/VOS_GPU_CAPACITY_PROVIDER/);
    const config = loadCloudConfig(noProvider, "dispatch");
    expect(config.ecs?.gpu).toBeUndefined();
    expect(chooseLaunch(config.ecs!, 10 * GiB)).toBe("fargate");
  });

  it("picks Fargate or GPU by configuration and video size", () => {
    const ecs = loadCloudConfig(full, "dispatch").ecs!;
    expect(chooseLaunch(ecs, 2 * GiB - 1)).toBe("fargate");
    expect(chooseLaunch(ecs, 2 * GiB)).toBe("gpu");
    expect(chooseLaunch({ ...ecs, launch: "fargate" }, 10 * GiB)).toBe("fargate");
    expect(chooseLaunch({ ...ecs, launch: "gpu" }, 1)).toBe("gpu");
  });

  it("describes every variable for the docs", () => {
    const names = CLOUD_SETTINGS.map((s) => s.name);
    for (const name of ["AWS_REGION", "VOS_DATABASE_SECRET_ARN", "VOS_PINECONE_INDEX", "VOS_LAUNCH", "VOS_MAX_TASKS", "VOS_WEB_ORIGIN", "VOS_SAMPLE_FPS"]) expect(names).toContain(name);
    expect(CLOUD_SETTINGS.every((s) => s.description.length > 0)).toBe(true);
    expect(CLOUD_SETTINGS.find((s) => s.name === "VOS_MAX_TASKS")?.default).toBe(10);
  });

  it("is documented in docs/cloud-runtime.md, every variable with its default", async () => {
    const doc = await readFile(new URL("../../../../docs/cloud-runtime.md", import.meta.url), "utf8");
    for (const setting of CLOUD_SETTINGS) {
      const shown = setting.default === undefined ? "" : `\`${String(setting.default).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\``;
      expect(doc, setting.name).toMatch(new RegExp(`\\| \`${setting.name}\` \\| ${shown ? `${shown} ` : ""}\\|`));
    }
  });
});
