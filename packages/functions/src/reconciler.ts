/**
 * Scheduled (every few minutes): the backstop for lost task events. Jobs whose task missed its
 * deadline are re-queued while attempts remain, else failed and dead-lettered.
 */
import { lambdaRuntime, reconcileJobs, type ReconcileResult } from "@vos/core/cloud";

export async function handler(): Promise<ReconcileResult> {
  const runtime = await lambdaRuntime("reconciler");
  const result = await reconcileJobs(runtime.control());
  if (result.requeued + result.failed > 0) runtime.services.log.warn("stuck jobs settled", { ...result });
  return result;
}
