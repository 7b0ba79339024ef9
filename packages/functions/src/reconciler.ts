/**
 * Scheduled (every few minutes): the backstop for lost task events. Jobs whose task missed its
 * deadline are re-queued while attempts remain, else failed and dead-lettered.
 */
import { reconcileJobs, type ReconcileResult } from "@vos/core/runtime/cloud";
import { functionRuntime } from "./runtime.js";

export async function handler(): Promise<ReconcileResult> {
  const runtime = await functionRuntime("reconciler");
  const result = await reconcileJobs(runtime.control());
  if (result.requeued + result.failed > 0) runtime.services.log.warn("stuck jobs settled", { ...result });
  return result;
}
