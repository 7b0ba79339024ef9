import fs from "node:fs";
import path from "node:path";
import { Match } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CLIP_REVISION } from "../../packages/core/src/embedder/files.js";
import { MAX_RECEIVE_COUNT } from "../Jobs.js";
import { ROOT } from "../synthesize.js";
import {
  ALERT_EMAIL,
  PLANTED_PINECONE_KEY,
  asList,
  environmentOf,
  nagErrors,
  resourceNamed,
  resourcesOf,
  staleSuppressions,
  statementsOfRole,
  suppressionsOf,
  type SynthesizedApp,
} from "./support/synth.js";
import { sharedSynthesis } from "./support/shared.js";

// The dev stage: every stack but prod looks like this one.
let app: SynthesizedApp;
beforeAll(async () => {
  app = await sharedSynthesis("dev");
}, 300_000);
afterAll(() => app?.cleanup());

const ref = (logicalId: string) => ({ Ref: logicalId });
const arnOf = (logicalId: string) => ({ "Fn::GetAtt": [logicalId, "Arn"] });

describe("the app", () => {
  it("has one stack per concern, in dependency order", () => {
    expect(app.stacks.map((s) => s.id).sort()).toEqual(["Api", "Auth", "Database", "Intake", "Jobs", "Network", "Secrets", "Storage", "Web", "Workers"]);
  });

  it("runs every Lambda function on nodejs22.x", () => {
    const functions = resourcesOf(app, "AWS::Lambda::Function");
    expect(functions.length).toBeGreaterThan(8);
    const offRuntime = functions.filter((f) => f.resource.Properties.Runtime !== "nodejs22.x").map((f) => `${f.stack.id}/${f.logicalId}: ${f.resource.Properties.Runtime}`);
    expect(offRuntime).toEqual([]);
  });

  it("keeps the functions' logs for a week outside prod", () => {
    const retention = resourcesOf(app, "Custom::LogRetention");
    const functions = resourcesOf(app, "AWS::Lambda::Function").filter((f) => String(f.resource.Properties.Handler).startsWith("packages/functions/src/"));
    for (const fn of functions) {
      const forIt = retention.filter((r) => r.stack === fn.stack && JSON.stringify(r.resource.Properties.LogGroupName).includes(`"${fn.logicalId}"`));
      expect(forIt.map((r) => r.resource.Properties.RetentionInDays), fn.logicalId).toEqual([7]);
    }
  });

  it("grants Resource * only for actions that name no resource", () => {
    const allowedOnAnything = new Set(["xray:PutTraceSegments", "xray:PutTelemetryRecords", "ecs:ListTasks"]);
    const functions = resourcesOf(app, "AWS::Lambda::Function").filter((f) => String(f.resource.Properties.Handler).startsWith("packages/functions/src/"));
    expect(functions.map((f) => f.resource.Properties.Handler).sort()).toEqual(
      ["api", "dispatch", "intake", "migrate", "pinecone-index", "reconciler", "task-events"].map((h) => `packages/functions/src/${h}.handler`),
    );
    const roles = [
      ...functions.map((f) => ({ stack: f.stack, role: (f.resource.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0] })),
      { stack: app.stack("Workers"), role: resourceNamed(app.stack("Workers"), "AWS::IAM::Role", "WorkerTaskRole").logicalId },
    ];
    for (const { stack, role } of roles) {
      for (const statement of statementsOfRole(stack, role).filter((s) => asList(s.Resource).includes("*"))) {
        for (const action of asList(statement.Action) as string[]) expect(allowedOnAnything.has(action), `${role}: ${action} on *`).toBe(true);
        if (asList(statement.Action).includes("ecs:ListTasks")) expect(Object.keys(statement.Condition?.ArnEquals ?? {})).toEqual(["ecs:cluster"]);
      }
    }
  });

  it("never writes the Pinecone key into a template", () => {
    for (const stack of app.stacks) {
      expect(JSON.stringify(stack.json), stack.name).not.toContain(PLANTED_PINECONE_KEY);
    }
    for (const fn of resourcesOf(app, "AWS::Lambda::Function")) {
      expect(Object.keys(environmentOf(fn)), `${fn.stack.id}/${fn.logicalId}`).not.toContain("PINECONE_API_KEY");
    }
    for (const task of resourcesOf(app, "AWS::ECS::TaskDefinition")) {
      for (const container of task.resource.Properties.ContainerDefinitions as Array<Record<string, any>>) {
        expect((container.Environment ?? []).map((e: { Name: string }) => e.Name)).not.toContain("PINECONE_API_KEY");
      }
    }
  });
});

describe("Jobs", () => {
  it("dead-letters a job message after 3-5 deliveries", () => {
    const jobs = app.stack("Jobs");
    const dlq = resourceNamed(jobs, "AWS::SQS::Queue", "DeadLetters");
    const queue = resourceNamed(jobs, "AWS::SQS::Queue", "Queue");
    expect(queue.resource.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: arnOf(dlq.logicalId), maxReceiveCount: MAX_RECEIVE_COUNT });
    expect(MAX_RECEIVE_COUNT).toBeGreaterThanOrEqual(3);
    expect(MAX_RECEIVE_COUNT).toBeLessThanOrEqual(5);
  });

  it("keeps a message invisible for six dispatcher timeouts", () => {
    const queue = resourceNamed(app.stack("Jobs"), "AWS::SQS::Queue", "Queue");
    const dispatch = resourceNamed(app.stack("Workers"), "AWS::Lambda::Function", "Dispatch");
    expect(queue.resource.Properties.VisibilityTimeout).toBe(6 * (dispatch.resource.Properties.Timeout as number));
  });

  it("alarms on any dead letter and emails the alerts topic", () => {
    const jobs = app.stack("Jobs");
    const dlq = resourceNamed(jobs, "AWS::SQS::Queue", "DeadLetters");
    const topic = resourceNamed(jobs, "AWS::SNS::Topic", "Alerts");
    const alarm = resourceNamed(jobs, "AWS::CloudWatch::Alarm", "DeadLettersAlarm");
    expect(alarm.resource.Properties).toMatchObject({
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [dlq.logicalId, "QueueName"] } }],
      ComparisonOperator: "GreaterThanThreshold",
      Threshold: 0,
      EvaluationPeriods: 1,
    });
    expect(alarm.resource.Properties.AlarmActions).toEqual([ref(topic.logicalId)]);
    expect(alarm.resource.Properties.OKActions).toEqual([ref(topic.logicalId)]);
    jobs.template.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: ALERT_EMAIL, TopicArn: ref(topic.logicalId) });
  });

  it("encrypts the alerts topic with a key CloudWatch may use", () => {
    const jobs = app.stack("Jobs");
    const key = resourceNamed(jobs, "AWS::KMS::Key", "AlertsKey");
    expect(resourceNamed(jobs, "AWS::SNS::Topic", "Alerts").resource.Properties.KmsMasterKeyId).toEqual(arnOf(key.logicalId));
    const statements = (key.resource.Properties.KeyPolicy as { Statement: Array<Record<string, any>> }).Statement;
    expect(statements.some((s) => s.Principal?.Service === "cloudwatch.amazonaws.com" && asList(s.Action).includes("kms:GenerateDataKey*"))).toBe(true);
  });
});

describe("Network", () => {
  it("shares one NAT gateway outside prod and keeps the database subnets without a route out", () => {
    const network = app.stack("Network");
    network.template.resourceCountIs("AWS::EC2::NatGateway", 1);
    const isolated = Object.entries(network.json.Resources).filter(([id, r]) => r.Type === "AWS::EC2::Route" && id.startsWith("Vpcdatabase"));
    expect(isolated).toEqual([]);
    // The sst dev bastion exists only in dev mode (dev-mode.test.ts).
    expect(resourcesOf(app, "AWS::EC2::Instance")).toEqual([]);
  });
});

describe("Storage", () => {
  it("keeps every bucket private, encrypted and TLS-only", () => {
    const buckets = resourcesOf(app, "AWS::S3::Bucket");
    expect(buckets.length).toBeGreaterThanOrEqual(4); // uploads, frames, access logs, web site
    for (const { stack, logicalId, resource } of buckets) {
      const where = `${stack.id}/${logicalId}`;
      expect(resource.Properties.PublicAccessBlockConfiguration, where).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(resource.Properties.BucketEncryption?.ServerSideEncryptionConfiguration?.length, where).toBeGreaterThan(0);
      const policies = Object.values(stack.json.Resources).filter(
        (r) => r.Type === "AWS::S3::BucketPolicy" && JSON.stringify(r.Properties?.Bucket) === JSON.stringify(ref(logicalId)),
      );
      const denyPlainHttp = policies
        .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Array<Record<string, any>> }).Statement)
        .some((s) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === "false" && asList(s.Action).includes("s3:*"));
      expect(denyPlainHttp, `${where} denies plain HTTP`).toBe(true);
    }
  });

  it("lets the browser PUT parts and read their ETags, and aborts forgotten multipart uploads", () => {
    const storage = app.stack("Storage");
    for (const name of ["Uploads", "Frames"]) {
      const bucket = resourceNamed(storage, "AWS::S3::Bucket", name).resource.Properties;
      const rule = (bucket.CorsConfiguration as { CorsRules: Array<Record<string, any>> }).CorsRules[0];
      expect(rule?.AllowedMethods).toContain("PUT");
      expect(rule?.ExposedHeaders).toContain("ETag");
      expect(bucket.LifecycleConfiguration.Rules).toContainEqual(
        expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: "Enabled" }),
      );
      expect(bucket.LoggingConfiguration?.DestinationBucketName).toBeDefined();
    }
  });

  it("expires the pictures searched for a week after they were last sent, in the uploads bucket only", () => {
    const storage = app.stack("Storage");
    const rules = (name: string) => resourceNamed(storage, "AWS::S3::Bucket", name).resource.Properties.LifecycleConfiguration.Rules as Array<Record<string, unknown>>;
    expect(rules("Uploads")).toContainEqual({ Id: "ExpireSearchPictures", Prefix: "_queries/", ExpirationInDays: 7, Status: "Enabled" });
    // Only the pictures: no rule of the uploads bucket expires the videos.
    expect(rules("Uploads").filter((rule) => rule.ExpirationInDays !== undefined)).toHaveLength(1);
    expect(rules("Frames").filter((rule) => rule.ExpirationInDays !== undefined)).toEqual([]);
  });

  it("deletes the buckets of a development stage with the stage", () => {
    const storage = app.stack("Storage");
    for (const name of ["Uploads", "Frames"]) {
      expect(resourceNamed(storage, "AWS::S3::Bucket", name).resource.DeletionPolicy).toBe("Delete");
    }
  });
});

describe("Database", () => {
  it("runs PostgreSQL 16, encrypted, private, with its credentials in Secrets Manager", () => {
    const database = app.stack("Database");
    const instance = resourceNamed(database, "AWS::RDS::DBInstance", "Postgres").resource;
    expect(instance.Properties).toMatchObject({ Engine: "postgres", StorageEncrypted: true, PubliclyAccessible: false });
    expect(String(instance.Properties.EngineVersion)).toMatch(/^16/);
    expect(JSON.stringify(instance.Properties.MasterUserPassword)).toContain("resolve:secretsmanager");
    const subnetGroup = resourceNamed(database, "AWS::RDS::DBSubnetGroup", "Postgres").resource;
    expect(JSON.stringify(subnetGroup.Properties.SubnetIds)).toContain("databaseSubnet");
  });

  it("is one small removable instance outside prod", () => {
    const instance = resourceNamed(app.stack("Database"), "AWS::RDS::DBInstance", "Postgres").resource;
    expect(instance.Properties.MultiAZ).toBe(false);
    expect(instance.Properties.DeletionProtection).toBe(false);
    expect(instance.Properties.DBInstanceClass).toBe("db.t4g.micro");
    expect(instance.DeletionPolicy).toBe("Delete");
  });

  it("keeps the exported PostgreSQL log for a week outside prod", () => {
    const database = app.stack("Database");
    const instance = resourceNamed(database, "AWS::RDS::DBInstance", "Postgres");
    expect(instance.resource.Properties.EnableCloudwatchLogsExports).toEqual(["postgresql"]);
    const retention = resourcesOf(app, "Custom::LogRetention").filter((r) => r.stack === database && JSON.stringify(r.resource.Properties.LogGroupName).includes("postgresql"));
    expect(retention.map((r) => r.resource.Properties.RetentionInDays)).toEqual([7]);
  });

  it("applies the migrations on deploy, from the migrate handler, after the instance exists", () => {
    const database = app.stack("Database");
    const migrate = resourceNamed(database, "AWS::Lambda::Function", "MigrateFunction");
    expect(migrate.resource.Properties.Handler).toBe("packages/functions/src/migrate.handler");
    const script = resourceNamed(database, "Custom::SSTScript", "Migrate");
    expect(script.resource.Properties?.UserCreateFunction).toEqual(ref(migrate.logicalId));
    expect(script.resource.Properties?.UserUpdateFunction).toEqual(ref(migrate.logicalId));
    const instance = resourceNamed(database, "AWS::RDS::DBInstance", "Postgres");
    expect(script.resource.DependsOn).toContain(instance.logicalId);
  });

  it("ships the migrations where the bundled migrate code looks for them", () => {
    const migrate = resourceNamed(app.stack("Database"), "AWS::Lambda::Function", "MigrateFunction");
    const key = String((migrate.resource.Properties.Code as { S3Key: string }).S3Key);
    const bundle = path.join(app.outdir, `asset.${key.replace(/\.zip$/, "")}`);
    const handlerDir = path.join(bundle, "packages/functions/src");
    expect(fs.existsSync(path.join(handlerDir, "migrate.mjs"))).toBe(true);
    // @vos/core resolves its migrations as ../../migrations from the module (see db/migrate.ts).
    const shipped = path.resolve(handlerDir, "../../migrations");
    const source = path.join(ROOT, "packages/core/migrations");
    const sqlFiles = fs.readdirSync(source).filter((f) => f.endsWith(".sql"));
    expect(sqlFiles.length).toBeGreaterThan(0);
    for (const file of [...sqlFiles, "meta/_journal.json"]) expect(fs.existsSync(path.join(shipped, file)), file).toBe(true);
  });
});

describe("Workers", () => {
  it("enables Container Insights on the cluster", () => {
    app.stack("Workers").template.hasResourceProperties("AWS::ECS::Cluster", { ClusterSettings: [{ Name: "containerInsights", Value: "enabled" }] });
  });

  it("asks for a GPU in the GPU task definition, and none on Fargate", () => {
    const workers = app.stack("Workers");
    const gpu = resourceNamed(workers, "AWS::ECS::TaskDefinition", "GpuWorker").resource.Properties;
    expect(gpu.RequiresCompatibilities).toEqual(["EC2"]);
    expect(gpu.NetworkMode).toBe("awsvpc");
    const [gpuContainer] = gpu.ContainerDefinitions as Array<Record<string, any>>;
    expect(gpuContainer?.Name).toBe("worker");
    expect(gpuContainer?.ResourceRequirements).toEqual([{ Type: "GPU", Value: "1" }]);
    const fargate = resourceNamed(workers, "AWS::ECS::TaskDefinition", "FargateWorker").resource.Properties;
    expect(fargate.RequiresCompatibilities).toEqual(["FARGATE"]);
    const [fargateContainer] = fargate.ContainerDefinitions as Array<Record<string, any>>;
    expect(fargateContainer?.Name).toBe("worker");
    expect(fargateContainer?.ResourceRequirements).toBeUndefined();
  });

  it("gives the GPU capacity provider ECS-optimised GPU instances that rest at zero", () => {
    const workers = app.stack("Workers");
    const group = resourceNamed(workers, "AWS::AutoScaling::AutoScalingGroup", "GpuInstances").resource.Properties;
    expect(group.MinSize).toBe("0");
    const template = resourceNamed(workers, "AWS::EC2::LaunchTemplate", "GpuInstances").resource.Properties.LaunchTemplateData;
    expect(template.InstanceType).toBe("g4dn.xlarge");
    expect(template.MetadataOptions?.HttpTokens).toBe("required");
    const ami = Object.values(workers.json.Parameters ?? {}).map((p) => String((p as { Default?: string }).Default));
    expect(ami).toContain("/aws/service/ecs/optimized-ami/amazon-linux-2023/gpu/recommended/image_id");
    const provider = resourceNamed(workers, "AWS::ECS::CapacityProvider", "GpuCapacity").resource.Properties;
    expect(provider.AutoScalingGroupProvider.ManagedScaling.Status).toBe("ENABLED");
  });

  it("gives each worker image the build context its Dockerfile copies from, and the functions' model", () => {
    const workers = app.stack("Workers");
    const manifest = JSON.parse(fs.readFileSync(path.join(app.outdir, `${workers.name}.assets.json`), "utf8")) as {
      dockerImages: Record<string, { source: { directory: string; dockerFile: string; dockerBuildArgs?: Record<string, string> } }>;
    };
    const images = Object.values(manifest.dockerImages).map((image) => image.source);
    expect(images.map((image) => image.dockerFile).sort()).toEqual(["packages/worker/Dockerfile", "packages/worker/Dockerfile.gpu"]);
    for (const image of images) {
      const context = path.join(app.outdir, image.directory);
      const copies = fs
        .readFileSync(path.join(ROOT, image.dockerFile), "utf8")
        .split("\n")
        .filter((line) => /^COPY\s/.test(line) && !line.includes("--from="))
        .flatMap((line) => line.split(/\s+/).slice(1, -1).filter((word) => !word.startsWith("--")));
      expect(copies.length).toBeGreaterThan(0);
      for (const source of copies) expect(fs.existsSync(path.join(context, source)), `${image.dockerFile}: COPY ${source}`).toBe(true);
      for (const left of ["node_modules", "stacks", "sst.config.ts", "packages/web/src"]) expect(fs.existsSync(path.join(context, left)), left).toBe(false);
      // The same pinned revision as the API's layer: one setting decides both.
      expect(image.dockerBuildArgs).toEqual({ CLIP_MODEL: "Xenova/clip-vit-base-patch32", CLIP_REVISION: DEFAULT_CLIP_REVISION });
    }
  });

  it("injects the Pinecone key into both worker containers from SSM", () => {
    for (const name of ["FargateWorker", "GpuWorker"]) {
      const [container] = resourceNamed(app.stack("Workers"), "AWS::ECS::TaskDefinition", name).resource.Properties.ContainerDefinitions as Array<Record<string, any>>;
      expect(container?.Secrets).toHaveLength(1);
      expect(container?.Secrets[0].Name).toBe("PINECONE_API_KEY");
      expect(JSON.stringify(container?.Secrets[0].ValueFrom)).toContain(":parameter/sst/video-object-search/dev/Secret/PINECONE_API_KEY/value");
      const names = (container?.Environment as Array<{ Name: string }>).map((e) => e.Name);
      expect(names).toEqual(expect.arrayContaining([...RUNTIME_ENV, "AWS_REGION"]));
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it("lets a worker read uploads, write frames, queue its job and raise alerts, and nothing else in AWS", () => {
    const workers = app.stack("Workers");
    const role = resourceNamed(workers, "AWS::IAM::Role", "WorkerTaskRole").logicalId;
    const actions = statementsOfRole(workers, role).flatMap((s) => asList(s.Action) as string[]);
    expect(new Set(actions.filter((a) => a.startsWith("s3:")))).toEqual(new Set(["s3:GetObject", "s3:DeleteObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListBucket"]));
    const services = new Set(actions.map((a) => a.split(":")[0]));
    expect(services).toEqual(new Set(["s3", "sqs", "secretsmanager", "sns", "kms"]));
    const statements = statementsOfRole(workers, role);
    const onUploads = statements.find((s) => s.Sid === "UploadsObjects");
    expect(asList(onUploads?.Action)).toEqual(["s3:GetObject", "s3:DeleteObject"]);
    const onFrames = statements.find((s) => s.Sid === "FramesObjects");
    // A frame upload that fails part-way is aborted, so no parts are left to pay for.
    expect(asList(onFrames?.Action)).toEqual(["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]);
  });

  it("lets whoever gives up on a job publish which job and why to the alerts topic", () => {
    const workers = app.stack("Workers");
    const taskRole = resourceNamed(workers, "AWS::IAM::Role", "WorkerTaskRole").logicalId;
    const roleOf = (prefix: string) => (resourceNamed(workers, "AWS::Lambda::Function", prefix).resource.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
    const publishers = [taskRole, roleOf("TaskEvents"), roleOf("ReconcilerJob")];
    for (const role of publishers) {
      const statements = statementsOfRole(workers, role);
      const publish = statements.filter((s) => asList(s.Action).includes("sns:Publish"));
      expect(publish, role).toHaveLength(1);
      expect(JSON.stringify(publish[0]!.Resource), role).toMatch(/Alerts/);
      // The topic is encrypted with a customer managed key: publishing needs that key too.
      const kms = statements.filter((s) => asList(s.Action).includes("kms:GenerateDataKey"));
      expect(kms.map((s) => JSON.stringify(s.Resource)).join(), role).toMatch(/AlertsKey/);
    }
    const tasks = resourcesOf(app, "AWS::ECS::TaskDefinition").filter((t) => t.stack === workers);
    for (const task of tasks) {
      const container = (task.resource.Properties.ContainerDefinitions as Array<{ Environment: Array<{ Name: string; Value: unknown }> }>)[0]!;
      expect(JSON.stringify(container.Environment.find((e) => e.Name === "VOS_ALERTS_TOPIC_ARN")?.Value), task.logicalId).toMatch(/Alerts/);
    }
    for (const prefix of ["TaskEvents", "ReconcilerJob"]) {
      expect(JSON.stringify(environmentOf(resourceNamed(workers, "AWS::Lambda::Function", prefix)).VOS_ALERTS_TOPIC_ARN), prefix).toMatch(/Alerts/);
    }
    // The dispatcher never gives up on a job: it is told nothing about the topic.
    const dispatch = resourceNamed(workers, "AWS::Lambda::Function", "Dispatch");
    expect(environmentOf(dispatch)).not.toHaveProperty("VOS_ALERTS_TOPIC_ARN");
    expect(statementsOfRole(workers, roleOf("Dispatch")).flatMap((s) => asList(s.Action))).not.toContain("sns:Publish");
  });

  it("lets the dispatcher run only the two worker task definitions and pass only their roles", () => {
    const workers = app.stack("Workers");
    const dispatch = resourceNamed(workers, "AWS::Lambda::Function", "Dispatch");
    const role = (dispatch.resource.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
    const statements = statementsOfRole(workers, role);
    const fargate = resourceNamed(workers, "AWS::ECS::TaskDefinition", "FargateWorker");
    const gpu = resourceNamed(workers, "AWS::ECS::TaskDefinition", "GpuWorker");

    const runTask = statements.filter((s) => asList(s.Action).some((a: string) => a === "ecs:RunTask" || a === "ecs:*" || a === "*"));
    expect(runTask).toHaveLength(1);
    expect(asList(runTask[0]?.Action)).toEqual(["ecs:RunTask"]);
    expect(asList(runTask[0]?.Resource)).toEqual([ref(fargate.logicalId), ref(gpu.logicalId)]);

    const taskRoles = new Set(
      [fargate, gpu].flatMap((t) => [JSON.stringify(t.resource.Properties.TaskRoleArn), JSON.stringify(t.resource.Properties.ExecutionRoleArn)]),
    );
    const passRole = statements.filter((s) => asList(s.Action).some((a: string) => a === "iam:PassRole" || a === "iam:*" || a === "*"));
    expect(passRole).toHaveLength(1);
    expect(asList(passRole[0]?.Action)).toEqual(["iam:PassRole"]);
    expect(new Set(asList(passRole[0]?.Resource).map((r) => JSON.stringify(r)))).toEqual(taskRoles);
    expect(passRole[0]?.Condition).toEqual({ StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } });
  });

  it("feeds the dispatcher from the jobs queue, reporting batch item failures, once the Pinecone index exists", () => {
    const workers = app.stack("Workers");
    const dispatch = resourceNamed(workers, "AWS::Lambda::Function", "Dispatch");
    const mapping = resourcesOf(app, "AWS::Lambda::EventSourceMapping").filter((m) => JSON.stringify(m.resource.Properties.FunctionName) === JSON.stringify(ref(dispatch.logicalId)));
    expect(mapping).toHaveLength(1);
    expect(mapping[0]?.resource.Properties.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    expect(JSON.stringify(mapping[0]?.resource.Properties.EventSourceArn)).toContain("Queue");
    const script = resourceNamed(workers, "Custom::SSTScript", "PineconeIndex");
    expect(mapping[0]?.resource.DependsOn).toContain(script.logicalId);
    const indexFunction = resourceNamed(workers, "AWS::Lambda::Function", "PineconeIndexFunction");
    expect(indexFunction.resource.Properties.Handler).toBe("packages/functions/src/pinecone-index.handler");
    expect(script.resource.Properties?.UserCreateFunction).toEqual(ref(indexFunction.logicalId));
    expect(environmentOf(indexFunction)).toMatchObject({ VOS_EMBED_DIMENSION: "512", VOS_CLIP_MODEL: "Xenova/clip-vit-base-patch32" });
  });

  it("sends this cluster's stopped tasks to the task-events function", () => {
    const workers = app.stack("Workers");
    const cluster = resourceNamed(workers, "AWS::ECS::Cluster", "Cluster");
    const taskEvents = resourceNamed(workers, "AWS::Lambda::Function", "TaskEvents");
    const rule = resourceNamed(workers, "AWS::Events::Rule", "TaskStopped").resource.Properties;
    expect(rule.EventPattern).toEqual({
      source: ["aws.ecs"],
      "detail-type": ["ECS Task State Change"],
      detail: { clusterArn: [arnOf(cluster.logicalId)], lastStatus: ["STOPPED"] },
    });
    expect(rule.Targets).toEqual([expect.objectContaining({ Arn: arnOf(taskEvents.logicalId) })]);
    const role = (taskEvents.resource.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
    const sends = statementsOfRole(workers, role).filter((s) => asList(s.Action).includes("sqs:SendMessage"));
    expect(sends.flatMap((s) => asList(s.Resource)).map((r) => JSON.stringify(r))).toEqual(
      expect.arrayContaining([expect.stringContaining("ExportsOutputFnGetAttQueue"), expect.stringContaining("ExportsOutputFnGetAttDeadLetters")]),
    );
  });

  it("runs the reconciler every five minutes", () => {
    const workers = app.stack("Workers");
    const reconciler = resourceNamed(workers, "AWS::Lambda::Function", "ReconcilerJob");
    expect(reconciler.resource.Properties.Handler).toBe("packages/functions/src/reconciler.handler");
    workers.template.hasResourceProperties("AWS::Events::Rule", { ScheduleExpression: "rate(5 minutes)", Targets: [Match.objectLike({ Arn: arnOf(reconciler.logicalId) })] });
  });

  it("gives the dispatcher every setting it needs to launch a task", () => {
    const env = environmentOf(resourceNamed(app.stack("Workers"), "AWS::Lambda::Function", "Dispatch"));
    expect(Object.keys(env)).toEqual(
      expect.arrayContaining([
        ...RUNTIME_ENV,
        "VOS_ECS_CLUSTER",
        "VOS_FARGATE_TASK_DEFINITION",
        "VOS_GPU_TASK_DEFINITION",
        "VOS_GPU_CAPACITY_PROVIDER",
        "VOS_TASK_SUBNETS",
        "VOS_TASK_SECURITY_GROUPS",
        "VOS_LAUNCH",
        "VOS_MAX_TASKS",
      ]),
    );
    expect(env.VOS_LAUNCH).toBe("auto");
    expect(env.VOS_MAX_TASKS).toBe("2");
  });
});

describe("Api", () => {
  it("ships its CLIP model in a layer at the workers' pinned revision, and never downloads one", () => {
    const api = app.stack("Api");
    const fn = resourceNamed(api, "AWS::Lambda::Function", "Handler");
    const layers = resourcesOf(app, "AWS::Lambda::LayerVersion").filter((l) => l.stack === api);
    expect(layers).toHaveLength(1);
    expect(fn.resource.Properties.Layers).toEqual([ref(layers[0]!.logicalId)]);
    expect(environmentOf(fn)).toMatchObject({
      VOS_CLIP_MODEL: "Xenova/clip-vit-base-patch32",
      VOS_CLIP_REVISION: DEFAULT_CLIP_REVISION,
      VOS_MODEL_CACHE: "/opt/models",
      VOS_MODEL_DOWNLOAD: "off",
      VOS_CLIP_DTYPE: "q8",
      // Only what the layer does not ship: a library's earlier model during a re-index.
      VOS_MODEL_DOWNLOAD_DIR: "/tmp/vos-models",
    });
    expect(environmentOf(fn)).not.toHaveProperty("VOS_CLIP_TEXT_MODEL");
    expect(fn.resource.Properties.EphemeralStorage).toEqual({ Size: 2048 });
    const task = resourceNamed(app.stack("Workers"), "AWS::ECS::TaskDefinition", "FargateWorker");
    const [container] = task.resource.Properties.ContainerDefinitions as Array<{ Environment: Array<{ Name: string; Value: unknown }> }>;
    expect(container!.Environment.find((e) => e.Name === "VOS_CLIP_REVISION")?.Value).toBe(DEFAULT_CLIP_REVISION);
  });

  it("routes everything to the Hono handler", () => {
    const api = app.stack("Api");
    const routes = resourcesOf(app, "AWS::ApiGatewayV2::Route");
    expect(routes.map((r) => r.resource.Properties.RouteKey).sort()).toEqual(["ANY /{proxy+}", "GET /api/auth", "GET /api/health"]);
    const fn = resourcesOf(app, "AWS::Lambda::Function").filter((f) => f.stack === api && f.resource.Properties.Handler?.includes("api.handler"));
    expect(fn).toHaveLength(1);
    expect(fn[0]?.resource.Properties.Handler).toBe("packages/functions/src/api.handler");
    expect(Object.keys(environmentOf(fn[0]!))).toEqual(expect.arrayContaining([...RUNTIME_ENV, "VOS_WEB_ORIGIN", "VOS_AUTH_ISSUER", "VOS_AUTH_CLIENT_ID"]));
    // The Pinecone key is bound: SST fetches it from SSM at cold start.
    expect(environmentOf(fn[0]!).SST_Secret_value_PINECONE_API_KEY).toBe("__FETCH_FROM_SSM__");
    // One list of browser origins: the gateway's CORS, the function's VOS_WEB_ORIGIN, the buckets'.
    const gateway = resourcesOf(app, "AWS::ApiGatewayV2::Api")[0]?.resource.Properties;
    expect(gateway?.CorsConfiguration).toMatchObject({ AllowOrigins: ["*"], AllowMethods: ["*"] });
    expect(environmentOf(fn[0]!).VOS_WEB_ORIGIN).toBe("*");
    const uploads = resourceNamed(app.stack("Storage"), "AWS::S3::Bucket", "Uploads").resource.Properties;
    expect((uploads.CorsConfiguration as { CorsRules: Array<{ AllowedOrigins: string[] }> }).CorsRules[0]?.AllowedOrigins).toEqual(["*"]);
    // New jobs and redriven dead letters go to the jobs queue, which the API never consumes; it
    // reads and moves dead letters only.
    const role = (fn[0]!.resource.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
    const statements = statementsOfRole(api, role);
    const sqsOn = (action: string) => statements.filter((s) => asList(s.Action).includes(action)).flatMap((s) => asList(s.Resource).map((r) => JSON.stringify(r)));
    expect(sqsOn("sqs:SendMessage").join()).toContain("Queue");
    expect(sqsOn("sqs:ReceiveMessage")).toHaveLength(1);
    expect(sqsOn("sqs:ReceiveMessage")[0]).toContain("DeadLetters");
    expect(sqsOn("sqs:DeleteMessage")).toEqual(sqsOn("sqs:ReceiveMessage"));
  });
});

describe("Web", () => {
  it("builds the site with the API's URL", () => {
    const web = app.stack("Web");
    const uploader = resourcesOf(app, "Custom::S3Uploader").filter((r) => r.stack === web);
    expect(uploader).toHaveLength(1);
    const replaced = JSON.stringify(uploader[0]?.resource.Properties.replaceValues);
    expect(replaced).toContain("{{ VITE_API_URL }}");
    expect(replaced).toMatch(/ExportsOutputFnGetAttApi[0-9A-F]{8}ApiEndpoint/);
  });
});

describe("cdk-nag AwsSolutions", () => {
  it("leaves no unsuppressed error in any stack", () => {
    for (const stack of app.stacks) expect(nagErrors(stack), stack.name).toEqual([]);
  });

  it("gives every suppression a specific reason", () => {
    const all = app.stacks.flatMap(suppressionsOf);
    expect(all.length).toBeGreaterThan(10);
    const reasonsById = new Map<string, Set<string>>();
    for (const { where, id, reason } of all) {
      expect(id, where).toMatch(/^AwsSolutions-[A-Z]+[0-9]+$/);
      expect(reason.length, `${where} ${id}`).toBeGreaterThanOrEqual(40);
      expect(reason, `${where} ${id}`).not.toMatch(/^(todo|n\/a|none|suppress|not needed|false positive)/i);
      for (const [otherId, reasons] of reasonsById) {
        if (otherId !== id) expect(reasons.has(reason), `${where}: ${id} reuses the reason given for ${otherId}`).toBe(false);
      }
      reasonsById.set(id, (reasonsById.get(id) ?? new Set()).add(reason));
    }
  });

  it("has no stale suppression: each one silences a finding somewhere in the app", () => {
    expect(app.stacks.flatMap((s) => s.nagReport).filter((row) => row.compliance === "Suppressed").length).toBeGreaterThan(10);
    // Development-stage exemptions are checked here; prod.test.ts checks prod's own.
    const stale = staleSuppressions(app);
    expect(stale).toEqual([]);
  });
});

/** What the cloud runtime validates at start-up, on every Lambda that uses the database and in the workers. */
const RUNTIME_ENV = [
  "VOS_DATABASE_SECRET_ARN",
  "VOS_UPLOADS_BUCKET",
  "VOS_FRAMES_BUCKET",
  "VOS_JOBS_QUEUE_URL",
  "VOS_DEAD_LETTER_QUEUE_URL",
  "VOS_PINECONE_INDEX",
  "VOS_CLIP_MODEL",
  "VOS_CLIP_REVISION",
  "VOS_EMBED_DIMENSION",
];
