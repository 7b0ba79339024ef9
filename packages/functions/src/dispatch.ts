/**
 * SQS-triggered: starts an ECS worker task for each job message (Fargate, or the GPU capacity
 * provider for large videos), keeping at most VOS_MAX_TASKS running. Messages whose task could not
 * start are reported as batch item failures, so SQS retries them (the event source mapping needs
 * ReportBatchItemFailures).
 */
import { dispatchJobs, type DispatchRecord } from "@vos/core/runtime/cloud";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { functionRuntime } from "./runtime.js";

/** A message that came back from the dead-letter queue carries the reason it was sent there. */
export function toDispatchRecords(event: SQSEvent): DispatchRecord[] {
  return event.Records.map((record) => ({
    messageId: record.messageId,
    body: record.body,
    redriven: Boolean(record.messageAttributes?.failedAt ?? record.messageAttributes?.reason),
  }));
}

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const runtime = await functionRuntime("dispatch");
  const result = await dispatchJobs(runtime.control(), toDispatchRecords(event));
  runtime.services.log.info("dispatched", { messages: event.Records.length, ...result, failed: result.failed.length });
  return { batchItemFailures: result.failed.map((itemIdentifier) => ({ itemIdentifier })) };
}
