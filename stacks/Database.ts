import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as logs from "aws-cdk-lib/aws-logs";
import * as rds from "aws-cdk-lib/aws-rds";
import { Function, Script, use, type StackContext } from "sst/constructs";
import { DATABASE_PORT, Network } from "./Network.js";
import { functionSuppressions, suppress } from "./nag.js";

/**
 * RDS PostgreSQL 16 in the isolated subnets, encrypted, never public, with generated
 * credentials in Secrets Manager (host, port, user, password, database name).
 * prod: Multi-AZ, deletion protection, two weeks of backups, kept when the stack is removed.
 * Other stages: one small instance that `sst remove` deletes with its backups.
 * Migrations are applied on every deploy by a Script, so the schema matches the code deployed.
 */
export function Database({ stack, app }: StackContext) {
  const prod = app.stage === "prod";
  const network = use(Network);

  const database = new rds.DatabaseInstance(stack, "Postgres", {
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
    instanceType: prod
      ? ec2.InstanceType.of(ec2.InstanceClass.BURSTABLE4_GRAVITON, ec2.InstanceSize.MEDIUM)
      : ec2.InstanceType.of(ec2.InstanceClass.BURSTABLE4_GRAVITON, ec2.InstanceSize.MICRO),
    vpc: network.vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroups: [network.databaseSecurityGroup],
    port: DATABASE_PORT,
    credentials: rds.Credentials.fromGeneratedSecret("vos"),
    databaseName: "vos",
    storageType: rds.StorageType.GP3,
    allocatedStorage: 20,
    maxAllocatedStorage: prod ? 500 : 50,
    storageEncrypted: true,
    publiclyAccessible: false,
    multiAz: prod,
    deletionProtection: prod,
    backupRetention: Duration.days(prod ? 14 : 1),
    deleteAutomatedBackups: !prod,
    removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    enablePerformanceInsights: prod,
    cloudwatchLogsExports: ["postgresql"],
    // Without a retention the exported log group keeps every line forever.
    cloudwatchLogsRetention: prod ? logs.RetentionDays.ONE_MONTH : logs.RetentionDays.ONE_WEEK,
    autoMinorVersionUpgrade: true,
  });
  const secret = database.secret;
  if (!secret) throw new Error("The database has no generated secret.");

  suppress(database, [
    {
      id: "AwsSolutions-SMG4",
      reason: "No automatic rotation: Lambdas and worker tasks read the credentials once at start-up and keep pooled connections, so a single-user rotation would break new connections until they restart. Rotate with a deploy, or add multi-user rotation.",
    },
    {
      id: "AwsSolutions-RDS11",
      reason: "PostgreSQL keeps its default port: the instance sits in isolated subnets behind a security group that admits only the app, and clients read the port from the secret.",
    },
    ...(prod
      ? []
      : [
          { id: "AwsSolutions-RDS3", reason: `Stage "${app.stage}" is a development stage: one AZ halves its cost. prod runs Multi-AZ.` },
          { id: "AwsSolutions-RDS10", reason: `Stage "${app.stage}" is a development stage that \`sst remove\` must be able to delete. prod has deletion protection.` },
        ]),
  ]);
  // One function serves both hooks, so it is bundled once.
  const migrateFunction = new Function(stack, "MigrateFunction", {
    handler: "packages/functions/src/migrate.handler",
    description: "Applies the database migrations (run by the Migrate script on every deploy)",
    enableLiveDev: false,
    vpc: network.vpc,
    vpcSubnets: network.privateSubnets,
    securityGroups: [network.functionsSecurityGroup],
    timeout: 300,
    memorySize: 1024,
    environment: { VOS_DATABASE_SECRET_ARN: secret.secretArn },
    // The bundle keeps the handler at packages/functions/src/migrate.mjs, and @vos/core finds its
    // migrations at ../../migrations from the bundled code: packages/migrations.
    copyFiles: [{ from: "packages/core/migrations", to: "packages/migrations" }],
  });
  secret.grantRead(migrateFunction);
  suppress(migrateFunction, functionSuppressions());
  const migrate = new Script(stack, "Migrate", { onCreate: migrateFunction, onUpdate: migrateFunction });
  // The instance must accept connections before the migrations run.
  migrate.node.addDependency(database);

  stack.addOutputs({ DatabaseSecretArn: secret.secretArn });

  return { database, secret, migrate };
}
