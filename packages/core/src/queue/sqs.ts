import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { DEAD_LETTERS_SCANNED, type DeadLetter, type JobMessage, type JobQueue, type ReceivedMessage } from "./job-queue.js";

/** SQS delays a message by at most 15 minutes. */
export const MAX_DELAY_SEC = 900;

/**
 * SQS cannot peek: dead letters are read by receiving them, hidden this long, and made visible
 * again at once when done. Long enough to outlast one scan should the making-visible fail.
 */
const SCAN_HIDE_SEC = 20;

/** The attributes a dead letter carries; a message on the jobs queue that has them was redriven. */
const DEAD_LETTER_ATTRIBUTES = ["reason", "failedAt"];

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

  function deadLettersUrl(): string {
    if (!options.deadLetterQueueUrl) throw new Error("No dead-letter queue configured (VOS_DEAD_LETTER_QUEUE_URL).");
    return options.deadLetterQueueUrl;
  }

  async function sendDeadLetter(message: JobMessage | string, reason: string): Promise<void> {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: deadLettersUrl(),
        MessageBody: typeof message === "string" ? message : JSON.stringify(message),
        MessageAttributes: {
          reason: { DataType: "String", StringValue: reason.slice(0, 4000) || "unknown" },
          failedAt: { DataType: "String", StringValue: new Date().toISOString() },
        },
      }),
    );
  }

  /**
   * Receives dead letters (hidden meanwhile) until `stop` says enough, DEAD_LETTERS_SCANNED were
   * seen, or a receive brings nothing new; then makes every one not kept visible again. Returns
   * the ones `keep` claimed, still hidden, with their receipt handles.
   */
  async function scanDeadLetters(stop: (seen: Message[]) => boolean, keep: (message: Message) => boolean = () => false): Promise<{ seen: Message[]; kept: Message[] }> {
    const seen = new Map<string, Message>();
    const kept: Message[] = [];
    // The Activity page asks every few seconds and the dead letters are mostly none: one call
    // says so, instead of receiving (and hiding, and showing again) on every look.
    const { Attributes: counts } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: deadLettersUrl(), AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
    );
    if (Number(counts?.ApproximateNumberOfMessages ?? 1) + Number(counts?.ApproximateNumberOfMessagesNotVisible ?? 1) === 0) return { seen: [], kept };
    try {
      while (seen.size < DEAD_LETTERS_SCANNED && !stop([...seen.values()])) {
        const output = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: deadLettersUrl(),
            MaxNumberOfMessages: Math.min(10, DEAD_LETTERS_SCANNED - seen.size),
            VisibilityTimeout: SCAN_HIDE_SEC,
            WaitTimeSeconds: 0,
            MessageAttributeNames: DEAD_LETTER_ATTRIBUTES,
            MessageSystemAttributeNames: ["SentTimestamp"],
          }),
        );
        const fresh = (output.Messages ?? []).filter((message) => !seen.has(message.MessageId!));
        if (fresh.length === 0) break;
        for (const message of fresh) {
          seen.set(message.MessageId!, message);
          if (keep(message)) kept.push(message);
        }
      }
    } finally {
      const back = [...seen.values()].filter((message) => !kept.includes(message));
      for (let i = 0; i < back.length; i += 10) {
        await sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: deadLettersUrl(),
            Entries: back.slice(i, i + 10).map((message, n) => ({ Id: String(n), ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 })),
          }),
        );
      }
    }
    return { seen: [...seen.values()], kept };
  }

  const asDeadLetter = (message: Message): DeadLetter => {
    const failedAt = message.MessageAttributes?.failedAt?.StringValue ?? message.Attributes?.SentTimestamp;
    const date = failedAt === undefined ? undefined : new Date(/^\d+$/.test(failedAt) ? Number(failedAt) : failedAt);
    return {
      id: message.MessageId!,
      body: message.Body ?? "",
      reason: message.MessageAttributes?.reason?.StringValue ?? "delivered too many times without finishing (the queue's redrive policy)",
      ...(date && !Number.isNaN(date.getTime()) ? { failedAt: date } : {}),
    };
  };

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
          MessageAttributeNames: DEAD_LETTER_ATTRIBUTES,
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
          redriven: DEAD_LETTER_ATTRIBUTES.some((name) => message.MessageAttributes?.[name] !== undefined),
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

    async deadLetters({ max }) {
      const limit = Math.max(0, Math.min(max, DEAD_LETTERS_SCANNED));
      if (limit === 0) return [];
      const { seen } = await scanDeadLetters((messages) => messages.length >= limit);
      return seen
        .map(asDeadLetter)
        .sort((a, b) => (a.failedAt?.getTime() ?? 0) - (b.failedAt?.getTime() ?? 0))
        .slice(0, limit);
    },

    // As SQS's own redrive does: the body and its attributes go back to the jobs queue; sent
    // first, then deleted, so a crash in between leaves a duplicate, never a lost job.
    async redrive(id) {
      const { kept } = await scanDeadLetters(
        (messages) => messages.some((message) => message.MessageId === id),
        (message) => message.MessageId === id,
      );
      const [message] = kept;
      if (!message) return false;
      const letter = asDeadLetter(message);
      const attributes = {
        reason: { DataType: "String", StringValue: letter.reason.slice(0, 4000) },
        failedAt: { DataType: "String", StringValue: (letter.failedAt ?? new Date()).toISOString() },
      };
      await sqs.send(new SendMessageCommand({ QueueUrl: options.queueUrl, MessageBody: message.Body ?? "", MessageAttributes: attributes }));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: deadLettersUrl(), ReceiptHandle: message.ReceiptHandle! }));
      return true;
    },

    sendDeadLetter,
  };
}
