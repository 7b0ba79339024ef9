/**
 * EventBridge rule "ECS Task State Change" (lastStatus STOPPED) for the worker cluster: a worker
 * that stopped without finishing its job (crash, out of memory, spot loss, never started) has its
 * job re-queued with backoff while attempts remain, else failed with the reason and sent to the
 * dead-letter queue.
 */
import { handleTaskStopped, parseEcsTaskStopped, type Settlement } from "@vos/core/runtime/cloud";
import type { EventBridgeEvent } from "aws-lambda";
import { functionRuntime } from "./runtime.js";

export async function handler(event: EventBridgeEvent<string, unknown>): Promise<{ settlement: Settlement }> {
  const stopped = parseEcsTaskStopped(event);
  if (!stopped) return { settlement: "ignored" };
  const runtime = await functionRuntime("task-events");
  return { settlement: await handleTaskStopped(runtime.control(), stopped) };
}
