/**
 * SQS-triggered (the intake queue, fed by EventBridge with S3's "Object Created" events under
 * `incoming/`): registers each file put in the drop folder as a video and queues its job.
 * Transient failures and malformed messages are reported as batch item failures, so SQS
 * delivers them again and dead-letters them after a few tries (the event source mapping needs
 * ReportBatchItemFailures).
 */
import { handleIntake, intakeOf } from "@vos/core/runtime/cloud";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { functionRuntime } from "./runtime.js";

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const runtime = await functionRuntime("intake");
  const result = await handleIntake(
    intakeOf(runtime),
    event.Records.map((record) => ({ messageId: record.messageId, body: record.body })),
  );
  return { batchItemFailures: result.failed.map((itemIdentifier) => ({ itemIdentifier })) };
}
