import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { JobMessage, JobQueue, ReceivedMessage } from "./job-queue.js";

/** SQS delays a message by at most 15 minutes. */
export const MAX_DELAY_SEC = 900;

export interface SqsJobQueue extends JobQueue {
  /**
   * Sends a job straight to the dead-letter queue, with why (the task-events handler and the
   * worker have no received message to move: the dispatcher consumed it).
   */
  sendDeadLetter(message: JobMessage | string, reason: string): Promise<void>;
}

/**
 * The jobs queue on SQS, with its dead-letter queue. Messages carry only ids (the job row holds
 * the rest); dead letters keep the original body and say why in a `reason` attribute, which the
 * DLQ alarm's email and a redrive both keep.
 */
export function createSqsJobQueue(sqs: SQSClient, options: { queueUrl: string; deadLetterQueueUrl?: string }): SqsJobQueue {
  /** Bodies of messages this process received, so `deadLetter` can move them by receipt handle. */
  const bodies = new Map<string, string>();

  async function sendDeadLetter(message: JobMessage | string, reason: string): Promise<void> {
    if (!options.deadLetterQueueUrl) throw new Error("No dead-letter queue configured (VOS_DEAD_LETTER_QUEUE_URL).");
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: options.deadLetterQueueUrl,
        MessageBody: typeof message === "string" ? message : JSON.stringify(message),
        MessageAttributes: {
          reason: { DataType: "String", StringValue: reason.slice(0, 4000) || "unknown" },
          failedAt: { DataType: "String", StringValue: new Date().toISOString() },
        },
      }),
    );
  }

  return {
    async send(message, sendOptions = {}) {
      const delay = Math.max(0, Math.min(MAX_DELAY_SEC, Math.round(sendOptions.delaySec ?? 0)));
      await sqs.send(new SendMessageCommand({ QueueUrl: options.queueUrl, MessageBody: JSON.stringify(message), ...(delay > 0 ? { DelaySeconds: delay } : {}) }));
    },

    async receive({ max, visibilityTimeoutSec }) {
      const output = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: Math.max(1, Math.min(10, max)),
          VisibilityTimeout: visibilityTimeoutSec,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ["ApproximateReceiveCount"],
        }),
      );
      return (output.Messages ?? []).map((message): ReceivedMessage => {
        bodies.set(message.ReceiptHandle!, message.Body ?? "");
        // Messages handed back by visibility come again with new handles: forget the oldest.
        if (bodies.size > 10_000) bodies.delete(bodies.keys().next().value!);
        return {
          id: message.MessageId!,
          body: message.Body ?? "",
          receiptHandle: message.ReceiptHandle!,
          receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
        };
      });
    },

    async delete(receiptHandle) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: receiptHandle }));
      bodies.delete(receiptHandle);
    },

    async changeVisibility(receiptHandle, timeoutSec) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: options.queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: Math.max(0, Math.min(43200, Math.round(timeoutSec))) }),
      );
    },

    // SQS cannot take a delivery back; the job's own attempt count is what limits retries.
    async handBack(receiptHandle) {
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: options.queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: 0 }));
    },

    // Send first, then delete: a crash in between leaves a duplicate, never a lost job.
    async deadLetter(receiptHandle, reason) {
      const body = bodies.get(receiptHandle);
      if (body === undefined) throw new Error("deadLetter needs a message received by this queue object (its body is not known otherwise).");
      await sendDeadLetter(body, reason);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: receiptHandle }));
      bodies.delete(receiptHandle);
    },

    sendDeadLetter,
  };
}
