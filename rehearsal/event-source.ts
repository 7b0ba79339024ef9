/**
 * What Lambda's event source mapping does for a queue, stood in for on this machine: long-poll
 * the queue, invoke the function with the batch as an SQS event, delete the messages it did not
 * report as failures (those come back after the visibility timeout, as on AWS).
 */
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient, type Message } from "@aws-sdk/client-sqs";
import type { FunctionInstance } from "./support/lambda.js";

export interface EventSource {
  stop(): Promise<void>;
  invocations(): number;
}

export function feedFromQueue(queue: { url: string; name: string }, consumer: FunctionInstance): EventSource {
  const sqs = new SQSClient({ region: "us-east-1", useQueueUrlAsEndpoint: false });
  let stopped = false;
  let count = 0;
  const loop = (async () => {
    while (!stopped) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 5, WaitTimeSeconds: 1, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"] }),
      );
      if (Messages.length === 0) continue;
      count++;
      const { result } = await consumer.invoke<{ batchItemFailures: { itemIdentifier: string }[] }>(sqsEvent(Messages, queue.name));
      const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
      for (const message of Messages) if (!failed.has(message.MessageId!)) await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle! }));
    }
  })();
  return {
    invocations: () => count,
    async stop() {
      stopped = true;
      await loop.catch(() => {});
    },
  };
}

/** The batch as Lambda hands it to the function (aws-lambda's SQSEvent). */
function sqsEvent(messages: Message[], queueName: string) {
  return {
    Records: messages.map((message) => ({
      messageId: message.MessageId!,
      receiptHandle: message.ReceiptHandle!,
      body: message.Body ?? "",
      attributes: message.Attributes ?? {},
      messageAttributes: Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, { stringValue: value.StringValue, dataType: value.DataType ?? "String", stringListValues: [], binaryListValues: [] }]),
      ),
      md5OfBody: message.MD5OfBody ?? "",
      eventSource: "aws:sqs",
      eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queueName}`,
      awsRegion: "us-east-1",
    })),
  };
}
