import { errorMessage } from "../error.js";
import { createLogger } from "../log.js";
import { loadCloudConfig } from "./config.js";
import { dispatchJobs, handleTaskStopped, reconcileJobs } from "./jobs.js";
import { createProcessLauncher } from "./process-launcher.js";
import { startCloudRuntime, type CloudRuntime } from "./runtime.js";

export interface OneMachineOptions {
  /** How often the jobs queue is polled when it was empty; default 250 ms. */
  pollMs?: number;
  /** How often the reconciler runs; default 60 s. */
  reconcileEveryMs?: number;
  /** Where workers' log lines go; default: this process's stderr. */
  workerOutput?: (line: string) => void;
}

export interface OneMachineCloud {
  /** The API function's runtime: serve `createApi({ services: api.services, ... })` over it. */
  api: CloudRuntime;
  /** Stops polling, waits for running workers, closes the runtimes. */
  stop(): Promise<void>;
}

/**
 * The AWS runtime on one machine: the same adapters (S3, SQS, Pinecone, PostgreSQL: point them at
 * local emulators with AWS_ENDPOINT_URL, VOS_PINECONE_CONTROLLER_HOST and VOS_DATABASE_URL), the
 * same dispatch, task-event and reconciler code, and the real worker entry; only the parts AWS
 * provides are stood in for: a loop polls the jobs queue as the Lambda event source mapping does,
 * and workers run as child processes instead of ECS tasks, their exits reported as task events.
 */
export async function startOneMachineCloud(env: NodeJS.ProcessEnv, options: OneMachineOptions = {}): Promise<OneMachineCloud> {
  const log = createLogger({ runtime: "cloud", role: "one-machine" });
  const api = await startCloudRuntime(loadCloudConfig(env, "api"));
  let control: CloudRuntime | undefined;
  const launcher = createProcessLauncher({
    env: { ...process.env, ...env },
    onStopped: async (stopped) => {
      if (control) await handleTaskStopped(control.control(), stopped);
    },
    ...(options.workerOutput ? { output: options.workerOutput } : {}),
  });
  control = await startCloudRuntime(loadCloudConfig(env, "task-events"), { launcher, log });
  const ctrl = control.control();

  let stopping = false;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  // The event source mapping: receive, dispatch, delete what was handled; failures come back
  // after the visibility timeout, as batch item failures do.
  const polling = (async () => {
    while (!stopping) {
      try {
        const messages = await ctrl.queue.receive({ max: 10, visibilityTimeoutSec: 30 });
        if (messages.length > 0) {
          const result = await dispatchJobs(ctrl, messages.map((m) => ({ messageId: m.id, body: m.body })));
          const failed = new Set(result.failed);
          for (const message of messages) if (!failed.has(message.id)) await ctrl.queue.delete(message.receiptHandle);
          continue;
        }
      } catch (error) {
        log.error("dispatch loop failed", { error: errorMessage(error) });
      }
      await sleep(options.pollMs ?? 250);
    }
  })();
  const reconciler = setInterval(() => {
    reconcileJobs(ctrl).catch((error: unknown) => log.error("reconciler failed", { error: errorMessage(error) }));
  }, options.reconcileEveryMs ?? 60_000);

  return {
    api,
    async stop() {
      stopping = true;
      wake?.();
      clearInterval(reconciler);
      await polling;
      await launcher.settled();
      await control?.close();
      await api.close();
    },
  };
}
