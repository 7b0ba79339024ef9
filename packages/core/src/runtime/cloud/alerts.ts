import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";

/** Tells people that something needs them (a job gave up). */
export interface Alerts {
  jobGaveUp(details: { jobId: string; videoId: string; tenantId: string; reason: string }): Promise<void>;
}

/**
 * Alerts through an SNS topic (email subscriptions come from the stack). The dead-letter
 * queue's alarm says that something failed; this message says which job and why.
 */
export function createSnsAlerts(sns: SNSClient, topicArn: string): Alerts {
  return {
    async jobGaveUp(details) {
      await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: `Video processing failed: ${details.videoId}`.slice(0, 100),
          Message: [
            `A video could not be processed and its job was moved to the dead-letter queue.`,
            ``,
            `video:  ${details.videoId}`,
            `job:    ${details.jobId}`,
            `tenant: ${details.tenantId}`,
            `reason: ${details.reason}`,
            ``,
            `To retry it once the cause is fixed, redrive the dead-letter queue to the jobs queue (SQS: "Start DLQ redrive").`,
          ].join("\n"),
          MessageAttributes: { event: { DataType: "String", StringValue: "job.gave_up" } },
        }),
      );
    },
  };
}
