/**
 * fauxqs (a local SQS + SNS + S3) in this process, on a random port, for tests of the cloud
 * adapters. The AWS SDK finds it through AWS_ENDPOINT_URL, as it would any endpoint override.
 */
import { PurgeQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { startFauxqs as start, type FauxqsServer } from "fauxqs";

export interface Fauxqs {
  server: FauxqsServer;
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** What an AWS SDK client (or a worker process) needs to talk to it. */
  env: Record<string, string>;
  /**
   * A queue and, with `deadLetters`, its dead-letter queue with SQS's redrive policy. Clients
   * must send to the endpoint (`useQueueUrlAsEndpoint: false`): the URLs name a host that does
   * not resolve.
   */
  queue(name: string, options?: { deadLetters?: string; maxReceiveCount?: number; visibilityTimeoutSec?: number }): { url: string; arn: string; deadLettersUrl?: string };
  bucket(name: string): string;
  /** Every message in a queue, ready, delayed or in flight, without receiving it. */
  messages(name: string): { body: string; attributes: Record<string, string>; delaySec: number }[];
  /** Empties queues (and nothing else). */
  purge(...names: string[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startFauxqs(): Promise<Fauxqs> {
  const server = await start({ port: 0, logger: false });
  const endpoint = server.address;
  const queue: Fauxqs["queue"] = (name, options = {}) => {
    const attributes: Record<string, string> = {};
    if (options.visibilityTimeoutSec !== undefined) attributes.VisibilityTimeout = String(options.visibilityTimeoutSec);
    let deadLettersUrl: string | undefined;
    if (options.deadLetters) {
      const dlq = server.createQueue(options.deadLetters);
      deadLettersUrl = dlq.queueUrl;
      attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: String(options.maxReceiveCount ?? 3) });
    }
    const created = server.createQueue(name, { attributes });
    return { url: created.queueUrl, arn: created.queueArn, ...(deadLettersUrl ? { deadLettersUrl } : {}) };
  };
  return {
    server,
    endpoint,
    env: { AWS_ENDPOINT_URL: endpoint, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" },
    queue,
    bucket(name) {
      server.createBucket(name);
      return name;
    },
    messages(name) {
      const inspected = server.inspectQueue(name);
      if (!inspected) return [];
      const shape = (message: (typeof inspected.messages.ready)[number]) => ({
        body: message.body,
        attributes: Object.fromEntries(Object.entries(message.messageAttributes ?? {}).map(([key, value]) => [key, String(value.StringValue ?? "")])),
        delaySec: message.delayUntil ? Math.round((message.delayUntil - message.sentTimestamp) / 1000) : 0,
      });
      return [...inspected.messages.ready, ...inspected.messages.delayed, ...inspected.messages.inflight.map((m) => m.message)].map(shape);
    },
    async purge(...names) {
      const sqs = new SQSClient({ region: "us-east-1", endpoint, credentials: { accessKeyId: "test", secretAccessKey: "test" }, useQueueUrlAsEndpoint: false });
      for (const name of names) {
        const url = server.inspectQueue(name)?.url;
        if (url) await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
      }
      sqs.destroy();
    },
    stop: () => server.stop(),
  };
}

/** Points this process's AWS SDK at fauxqs (tests run each file in its own process). */
export function useFauxqsEnvironment(fauxqs: Fauxqs): void {
  Object.assign(process.env, fauxqs.env);
}
