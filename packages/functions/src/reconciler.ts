/**
 * Scheduled (every few minutes): the backstop for lost task events and interrupted clean-ups. Jobs
 * whose task missed its deadline are re-queued while attempts remain, else failed and
 * dead-lettered; deletions cut short are finished; old vectors a library switch listed but could
 * not remove are removed.
 */
import { reconcile } from "@vos/core/runtime/cloud";
import { functionRuntime } from "./runtime.js";

export async function handler(): Promise<Awaited<ReturnType<typeof reconcile>>> {
  const runtime = await functionRuntime("reconciler");
  const result = await reconcile(runtime.control());
  if (result.requeued + result.failed > 0) runtime.services.log.warn("stuck jobs settled", { requeued: result.requeued, failed: result.failed });
  return result;
}
