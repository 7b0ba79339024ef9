import { Annotations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import { use, type StackContext } from "sst/constructs";
import { alarmOnDeadLetters, queueWithDeadLetters } from "./queues.js";
import { Secrets } from "./Secrets.js";

/** How long the dispatcher may take for one batch; the queue's visibility timeout follows it. */
export const DISPATCH_TIMEOUT_SECONDS = 60;
/** Deliveries of a job message before SQS moves it to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 4;

/**
 * The jobs queue feeds the dispatcher. A message the dispatcher cannot act on (no capacity,
 * throttling) comes back after the visibility timeout and moves to the dead-letter queue after
 * MAX_RECEIVE_COUNT deliveries; the task-events function also dead-letters jobs whose tasks kept
 * failing. Any message in the dead-letter queue raises an alarm that emails the operators
 * through the alerts topic.
 */
export function Jobs({ stack, app }: StackContext) {
  const { settings } = use(Secrets);

  const { queue, deadLetters } = queueWithDeadLetters(
    stack,
    { queue: "Queue", deadLetters: "DeadLetters" },
    { consumerTimeoutSeconds: DISPATCH_TIMEOUT_SECONDS, maxReceiveCount: MAX_RECEIVE_COUNT },
  );

  // CloudWatch alarms can publish to an encrypted topic only with a customer managed key that
  // lets the CloudWatch service use it.
  const alertsKey = new kms.Key(stack, "AlertsKey", {
    description: "Encrypts the alerts topic",
    enableKeyRotation: true,
  });
  alertsKey.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
      actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
      resources: ["*"],
      conditions: { StringEquals: { "aws:SourceAccount": stack.account } },
    }),
  );
  const alerts = new sns.Topic(stack, "Alerts", {
    displayName: `Video Object Search alerts (${app.stage})`,
    masterKey: alertsKey,
    enforceSSL: true,
  });
  if (settings.alertEmail) {
    alerts.addSubscription(new subscriptions.EmailSubscription(settings.alertEmail));
  } else {
    Annotations.of(alerts).addWarningV2(
      "vos:alerts-without-email",
      "VOS_ALERT_EMAIL is not set: dead-letter alarms go to the alerts topic but nobody is subscribed.",
    );
  }

  const deadLetterAlarm = alarmOnDeadLetters(
    stack,
    "DeadLettersAlarm",
    deadLetters,
    alerts,
    "Jobs reached the dead-letter queue: see the video's error, fix the cause, then redrive the dead-letter queue to the jobs queue (SQS console: Start DLQ redrive).",
  );

  /**
   * Lets a function or task publish to the alerts topic. The topic is encrypted with the key
   * above, so publishing needs that key too (named actions: cdk-nag refuses a wildcard).
   */
  function allowAlerts(grantee: iam.IGrantable) {
    const principal = grantee.grantPrincipal;
    principal.addToPrincipalPolicy(new iam.PolicyStatement({ sid: "PublishAlerts", actions: ["sns:Publish"], resources: [alerts.topicArn] }));
    principal.addToPrincipalPolicy(new iam.PolicyStatement({ sid: "EncryptAlerts", actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [alertsKey.keyArn] }));
  }

  stack.addOutputs({ JobsQueueUrl: queue.queueUrl, DeadLetterQueueUrl: deadLetters.queueUrl, AlertsTopicArn: alerts.topicArn });

  return { queue, deadLetters, alerts, deadLetterAlarm, allowAlerts };
}
