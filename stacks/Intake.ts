import { Duration } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import { Function, use, type StackContext } from "sst/constructs";
import { Database } from "./Database.js";
import { Jobs } from "./Jobs.js";
import { functionSuppressions, objectsOf, suppress } from "./nag.js";
import { Network } from "./Network.js";
import { alarmOnDeadLetters, queueWithDeadLetters } from "./queues.js";
import { runtimeEnvironment } from "./runtime.js";
import { Secrets } from "./Secrets.js";
import { Storage } from "./Storage.js";

/** The drop folder in the uploads bucket (Video.DROP_PREFIX in @vos/core; a stack test keeps them equal). */
export const DROP_PREFIX = "incoming/";
/** How long the intake function may take for one batch; the queue's visibility timeout follows it. */
export const INTAKE_TIMEOUT_SECONDS = 60;
/** Deliveries of an intake message before SQS moves it to the intake dead-letter queue. */
export const INTAKE_MAX_RECEIVE_COUNT = 5;

/**
 * The drop folder: files put under `incoming/<tenant>/` in the uploads bucket by any tool become
 * videos of that tenant. S3 sends the bucket's object events to EventBridge (Storage), a rule
 * puts the drop folder's "Object Created" events on the intake queue, and the intake function
 * registers each file and queues its job. A message it cannot handle comes back, and after
 * INTAKE_MAX_RECEIVE_COUNT deliveries (or when EventBridge cannot deliver it at all) lands in the
 * intake dead-letter queue, whose alarm emails the operators through the alerts topic.
 */
export function Intake({ stack }: StackContext) {
  const { PINECONE_API_KEY } = use(Secrets);
  const network = use(Network);
  const { secret } = use(Database);
  const storage = use(Storage);
  const { queue: jobs, alerts } = use(Jobs);

  const { queue, deadLetters } = queueWithDeadLetters(
    stack,
    { queue: "IntakeQueue", deadLetters: "IntakeDeadLetters" },
    { consumerTimeoutSeconds: INTAKE_TIMEOUT_SECONDS, maxReceiveCount: INTAKE_MAX_RECEIVE_COUNT },
  );

  const dropped = new events.Rule(stack, "DroppedFiles", {
    description: "A file was put in the drop folder of the uploads bucket",
    eventPattern: {
      source: ["aws.s3"],
      detailType: ["Object Created"],
      detail: { bucket: { name: [storage.uploads.bucketName] }, object: { key: [{ prefix: DROP_PREFIX }] } },
    },
  });
  // The target adds the queue policy that lets EventBridge (this rule only) send; events it
  // cannot deliver after its retries go to the dead-letter queue too.
  dropped.addTarget(new targets.SqsQueue(queue, { deadLetterQueue: deadLetters, retryAttempts: 10, maxEventAge: Duration.hours(24) }));

  const intake = new Function(stack, "Intake", {
    handler: "packages/functions/src/intake.handler",
    description: "Registers files put in the drop folder as videos and queues their jobs",
    vpc: network.vpc,
    vpcSubnets: network.privateSubnets,
    securityGroups: [network.functionsSecurityGroup],
    timeout: INTAKE_TIMEOUT_SECONDS,
    // Replacing a file removes the earlier version's video, vectors included.
    bind: [PINECONE_API_KEY],
    environment: runtimeEnvironment(),
  });
  secret.grantRead(intake);
  jobs.grantSendMessages(intake);
  // HeadObject of dropped files; without s3:ListBucket (granted below) a missing key would
  // answer 403 instead of 404.
  intake.addToRolePolicy(new iam.PolicyStatement({ sid: "ReadDroppedFiles", actions: ["s3:GetObject"], resources: [storage.uploads.arnForObjects(`${DROP_PREFIX}*`)] }));
  // The thumbnails of a video replaced by a newer version of its file.
  storage.allow(intake, { frames: ["s3:DeleteObject"] });
  intake.addEventSourceMapping("IntakeQueue", {
    eventSourceArn: queue.queueArn,
    batchSize: 10,
    reportBatchItemFailures: true,
    // One database connection per instance: a bulk `aws s3 sync` queues up instead of crowding RDS.
    maxConcurrency: 2,
  });
  queue.grantConsumeMessages(intake);

  suppress(intake, [
    ...functionSuppressions(),
    {
      id: "AwsSolutions-IAM5",
      reason: "Dropped files have any key under incoming/ and are only read (HeadObject); thumbnails of a replaced video are deleted from the frames bucket, whose keys are made per video.",
      appliesTo: [{ regex: "/^Resource::<Uploads[0-9A-F]{8}\\.Arn>\\/incoming\\/\\*$/g" }, ...objectsOf("Frames")],
    },
  ]);

  const alarm = alarmOnDeadLetters(
    stack,
    "IntakeDeadLettersAlarm",
    deadLetters,
    alerts,
    "Files put in the drop folder could not be registered: see the intake function's log (\"drop folder: ...\"), fix the cause, then redrive the intake dead-letter queue to the intake queue (SQS console: Start DLQ redrive).",
  );

  stack.addOutputs({
    DropFolder: `s3://${storage.uploads.bucketName}/${DROP_PREFIX}<tenant>/`,
    IntakeQueueUrl: queue.queueUrl,
    IntakeDeadLetterQueueUrl: deadLetters.queueUrl,
  });

  return { queue, deadLetters, rule: dropped, intake, alarm };
}
