import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as sns from "aws-cdk-lib/aws-sns";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";

/**
 * A queue feeding a Lambda function, with its dead-letter queue: both encrypted and TLS-only; a
 * message comes back after the visibility timeout and moves to the dead letters after
 * `maxReceiveCount` deliveries. The ids name the two queues in the template.
 */
export function queueWithDeadLetters(
  scope: Construct,
  ids: { queue: string; deadLetters: string },
  options: { consumerTimeoutSeconds: number; maxReceiveCount: number },
): { queue: sqs.Queue; deadLetters: sqs.Queue } {
  const deadLetters = new sqs.Queue(scope, ids.deadLetters, {
    retentionPeriod: Duration.days(14),
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
  const queue = new sqs.Queue(scope, ids.queue, {
    // Lambda's guidance for SQS event sources: at least six times the function timeout, so a
    // batch being retried inside the function is never delivered twice.
    visibilityTimeout: Duration.seconds(options.consumerTimeoutSeconds * 6),
    retentionPeriod: Duration.days(4),
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    deadLetterQueue: { queue: deadLetters, maxReceiveCount: options.maxReceiveCount },
  });
  return { queue, deadLetters };
}

/** Tells the alerts topic when a dead-letter queue holds anything, and again when it is empty. */
export function alarmOnDeadLetters(scope: Construct, id: string, deadLetters: sqs.IQueue, alerts: sns.ITopic, description: string): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmDescription: description,
    metric: deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    threshold: 0,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new actions.SnsAction(alerts));
  alarm.addOkAction(new actions.SnsAction(alerts));
  return alarm;
}
