/**
 * The drop folder's wiring: S3 events of the uploads bucket through EventBridge to the intake
 * queue and function, its dead letters and alarm, and what the function may do.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DROP_PREFIX as CORE_DROP_PREFIX } from "../../packages/core/src/video/drop.js";
import { DROP_PREFIX, INTAKE_MAX_RECEIVE_COUNT, INTAKE_TIMEOUT_SECONDS } from "../Intake.js";
import { asList, environmentOf, nagErrors, resourceNamed, resourcesOf, statementsOfRole, type SynthesizedApp } from "./support/synth.js";
import { sharedSynthesis } from "./support/shared.js";

let app: SynthesizedApp;
beforeAll(async () => {
  app = await sharedSynthesis("dev");
}, 300_000);
afterAll(() => app?.cleanup());

const ref = (logicalId: string) => ({ Ref: logicalId });
const arnOf = (logicalId: string) => ({ "Fn::GetAtt": [logicalId, "Arn"] });
const intakeStack = () => app.stack("Intake");
const queues = () => ({
  queue: resourceNamed(intakeStack(), "AWS::SQS::Queue", "IntakeQueue"),
  deadLetters: resourceNamed(intakeStack(), "AWS::SQS::Queue", "IntakeDeadLetters"),
});
const intakeFunction = () => resourceNamed(intakeStack(), "AWS::Lambda::Function", "Intake");
const roleOf = (fn: { resource: { Properties: Record<string, any> } }) => (fn.resource.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
/** The Storage export a cross-stack reference to one of its buckets goes through. */
const importOf = (value: unknown) => JSON.stringify(value).match(/ExportsOutput(?:Ref|FnGetAtt)(Uploads|Frames)[0-9A-F]{8}/)?.[1];

describe("drop folder", () => {
  it("uses the drop folder the domain code reads", () => {
    expect(DROP_PREFIX).toBe(CORE_DROP_PREFIX);
  });

  it("has the uploads bucket, and only it, send its object events to EventBridge, without a custom resource", () => {
    const storage = app.stack("Storage");
    const uploads = resourceNamed(storage, "AWS::S3::Bucket", "Uploads").resource.Properties;
    expect(uploads.NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
    expect(resourceNamed(storage, "AWS::S3::Bucket", "Frames").resource.Properties.NotificationConfiguration).toBeUndefined();
    expect(resourcesOf(app, "Custom::S3BucketNotifications")).toEqual([]);
  });

  it("routes the uploads bucket's 'Object Created' events under incoming/ to the intake queue, dead-lettering what EventBridge cannot deliver", () => {
    const rule = resourceNamed(intakeStack(), "AWS::Events::Rule", "DroppedFiles").resource.Properties;
    const { queue, deadLetters } = queues();
    expect(rule.EventPattern).toMatchObject({ source: ["aws.s3"], "detail-type": ["Object Created"], detail: { object: { key: [{ prefix: "incoming/" }] } } });
    expect(Object.keys(rule.EventPattern.detail).sort()).toEqual(["bucket", "object"]);
    expect(rule.EventPattern.detail.bucket.name).toHaveLength(1);
    expect(importOf(rule.EventPattern.detail.bucket.name[0])).toBe("Uploads");
    expect(rule.Targets).toEqual([expect.objectContaining({ Arn: arnOf(queue.logicalId), DeadLetterConfig: { Arn: arnOf(deadLetters.logicalId) } })]);
  });

  it("lets EventBridge send to both queues for this rule only, and refuses plain HTTP", () => {
    const rule = resourceNamed(intakeStack(), "AWS::Events::Rule", "DroppedFiles");
    for (const { logicalId } of Object.values(queues())) {
      const policies = resourcesOf(app, "AWS::SQS::QueuePolicy").filter((p) => JSON.stringify(p.resource.Properties.Queues) === JSON.stringify([ref(logicalId)]));
      expect(policies, logicalId).toHaveLength(1);
      const statements = policies[0]!.resource.Properties.PolicyDocument.Statement as Array<Record<string, any>>;
      const fromEvents = statements.filter((s) => s.Effect === "Allow");
      expect(fromEvents, logicalId).toEqual([
        expect.objectContaining({ Principal: { Service: "events.amazonaws.com" }, Condition: { ArnEquals: { "aws:SourceArn": arnOf(rule.logicalId) } } }),
      ]);
      expect(asList(fromEvents[0]!.Action)).toContain("sqs:SendMessage");
      expect(statements).toContainEqual(expect.objectContaining({ Effect: "Deny", Action: "sqs:*", Condition: { Bool: { "aws:SecureTransport": "false" } } }));
    }
  });

  it("encrypts the intake queue, keeps a message invisible for six function timeouts, and dead-letters it after a few deliveries", () => {
    const { queue, deadLetters } = queues();
    expect(queue.resource.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: INTAKE_TIMEOUT_SECONDS * 6,
      RedrivePolicy: { deadLetterTargetArn: arnOf(deadLetters.logicalId), maxReceiveCount: INTAKE_MAX_RECEIVE_COUNT },
    });
    expect(INTAKE_MAX_RECEIVE_COUNT).toBeGreaterThanOrEqual(3);
    expect(INTAKE_MAX_RECEIVE_COUNT).toBeLessThanOrEqual(5);
    expect(deadLetters.resource.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    expect(intakeFunction().resource.Properties.Timeout).toBe(INTAKE_TIMEOUT_SECONDS);
  });

  it("alarms on any intake dead letter, to the alerts topic, and again when it is empty", () => {
    const { deadLetters } = queues();
    const alarm = resourceNamed(intakeStack(), "AWS::CloudWatch::Alarm", "IntakeDeadLettersAlarm").resource.Properties;
    expect(alarm).toMatchObject({
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [deadLetters.logicalId, "QueueName"] } }],
      ComparisonOperator: "GreaterThanThreshold",
      Threshold: 0,
      EvaluationPeriods: 1,
    });
    for (const actions of [alarm.AlarmActions, alarm.OKActions]) expect(JSON.stringify(actions)).toMatch(/^\[\{"Fn::ImportValue":"[^"]+-Jobs:ExportsOutputRefAlerts[0-9A-F]{8}/);
  });

  it("feeds the intake function from the intake queue with batch item failures, in the VPC, with the runtime's settings", () => {
    const fn = intakeFunction();
    const { queue } = queues();
    expect(fn.resource.Properties.Handler).toBe("packages/functions/src/intake.handler");
    expect(fn.resource.Properties.VpcConfig?.SubnetIds).toBeDefined();
    const mappings = resourcesOf(app, "AWS::Lambda::EventSourceMapping").filter((m) => JSON.stringify(m.resource.Properties.FunctionName) === JSON.stringify(ref(fn.logicalId)));
    expect(mappings.map((m) => m.resource.Properties)).toEqual([
      expect.objectContaining({ EventSourceArn: arnOf(queue.logicalId), FunctionResponseTypes: ["ReportBatchItemFailures"], BatchSize: 10 }),
    ]);
    expect(Object.keys(environmentOf(fn))).toEqual(
      expect.arrayContaining(["VOS_DATABASE_SECRET_ARN", "VOS_UPLOADS_BUCKET", "VOS_FRAMES_BUCKET", "VOS_JOBS_QUEUE_URL", "VOS_PINECONE_INDEX", "SST_Secret_value_PINECONE_API_KEY"]),
    );
  });

  it("lets the function read dropped files only, delete a replaced video's thumbnails, queue jobs, and read its secrets", () => {
    const fn = intakeFunction();
    const statements = statementsOfRole(intakeStack(), roleOf(fn));
    const actions = statements.flatMap((s) => asList(s.Action) as string[]);
    expect(new Set(actions.map((a) => a.split(":")[0]))).toEqual(new Set(["xray", "ssm", "secretsmanager", "sqs", "s3"]));
    expect(actions.filter((a) => a.includes("*"))).toEqual([]);
    for (const s of statements.filter((s) => asList(s.Resource).includes("*"))) expect(asList(s.Action)).toEqual(["xray:PutTraceSegments", "xray:PutTelemetryRecords"]);

    const s3 = statements.filter((s) => asList(s.Action).some((a: string) => a.startsWith("s3:")));
    const grants = s3.map((s) => ({ actions: asList(s.Action), resources: asList(s.Resource).map((r) => `${importOf(r)}${JSON.stringify(r).match(/"(\/[^"]*)"\]\]\}$/)?.[1] ?? ""}`) }));
    expect(grants).toEqual(
      expect.arrayContaining([
        { actions: ["s3:GetObject"], resources: ["Uploads/incoming/*"] },
        { actions: ["s3:DeleteObject"], resources: ["Frames/*"] },
        { actions: ["s3:ListBucket"], resources: ["Uploads", "Frames"] },
      ]),
    );
    expect(grants).toHaveLength(3);

    // Jobs go to the jobs queue; the intake queue is only consumed.
    const sends = statements.filter((s) => asList(s.Action).includes("sqs:SendMessage"));
    expect(sends.flatMap((s) => asList(s.Resource)).map((r) => JSON.stringify(r))).toEqual([expect.stringMatching(/-Jobs:ExportsOutputFnGetAttQueue[0-9A-F]{8}Arn/)]);
    const consumes = statements.filter((s) => asList(s.Action).includes("sqs:ReceiveMessage"));
    expect(consumes.flatMap((s) => asList(s.Resource))).toEqual([arnOf(queues().queue.logicalId)]);
  });

  it("passes cdk-nag with a reason for each suppression", () => {
    expect(nagErrors(intakeStack())).toEqual([]);
    expect(nagErrors(app.stack("Storage"))).toEqual([]);
  });
});
