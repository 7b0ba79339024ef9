import { randomUUID } from "node:crypto";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { errorMessage } from "../../error.js";
import { createLogger, type Logger } from "../../log.js";
import { DROP_PREFIX } from "../../video/index.js";
import { loadCloudConfig } from "./config.js";
import { handleIntake, intakeOf, objectCreatedEvent, type Intake } from "./intake.js";
import { dispatchJobs, handleTaskStopped, reconcile } from "./job-control.js";
import { createProcessLauncher } from "../../launcher/process.js";
import { startCloudRuntime, type CloudRuntime } from "./runtime.js";

export interface OneMachineOptions {
  /** How often the jobs queue is polled when it was empty; default 250 ms. */
  pollMs?: number;
  /** How often the reconciler runs; default 60 s. */
  reconcileEveryMs?: number;
  /** Where workers' log lines go; default: this process's stderr. */
  workerOutput?: (line: string) => void;
  /** How often the drop folder (`incoming/` in the uploads bucket) is listed; default 2 s. */
  dropFolderPollMs?: number;
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
 * S3 here sends no events: a loop lists the drop folder and hands new objects to the intake.
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
          const result = await dispatchJobs(ctrl, messages.map((m) => ({ messageId: m.id, body: m.body, redriven: m.redriven })));
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
  const intake = await startCloudRuntime(loadCloudConfig(env, "intake"), { log });
  const dropFolder = watchDropFolder(intakeOf(intake), options.dropFolderPollMs ?? 2000, log);
  const reconciler = setInterval(() => {
    reconcile(ctrl).catch((error: unknown) => log.error("reconciler failed", { error: errorMessage(error) }));
  }, options.reconcileEveryMs ?? 60_000);

  return {
    api,
    async stop() {
      stopping = true;
      wake?.();
      clearInterval(reconciler);
      await dropFolder.stop();
      await polling;
      await launcher.settled();
      await control?.close();
      await intake.close();
      await api.close();
    },
  };
}

/** Deliveries of one object before the stand-in gives up on it, as the intake queue's DLQ does. */
const DROP_ATTEMPTS = 5;

/**
 * Stands in for S3 -> EventBridge -> intake queue: lists `incoming/` every `everyMs` and hands
 * each (key, ETag) not yet handled to the intake code, as the message the intake function
 * receives on AWS. A transient failure is tried again on later listings, DROP_ATTEMPTS times.
 */
function watchDropFolder(intake: Intake, everyMs: number, log: Logger): { stop(): Promise<void> } {
  const handled = new Set<string>();
  const attempts = new Map<string, number>();
  let stopping = false;
  let wake: (() => void) | undefined;

  async function scan() {
    let token: string | undefined;
    do {
      const page = await intake.s3.send(new ListObjectsV2Command({ Bucket: intake.bucket, Prefix: DROP_PREFIX, ...(token ? { ContinuationToken: token } : {}) }));
      const fresh = (page.Contents ?? []).filter((o) => o.Key && !handled.has(`${o.Key}\n${o.ETag}`));
      for (let i = 0; i < fresh.length && !stopping; i += 10) {
        const batch = fresh.slice(i, i + 10).map((o) => ({
          id: `${o.Key}\n${o.ETag}`,
          record: { messageId: randomUUID(), body: JSON.stringify(objectCreatedEvent(intake.bucket, { key: o.Key!, sizeBytes: o.Size ?? 0, etag: o.ETag ?? "" })) },
        }));
        const { failed } = await handleIntake(intake, batch.map((b) => b.record));
        for (const { id, record } of batch) {
          const tries = failed.includes(record.messageId) ? (attempts.get(id) ?? 0) + 1 : 0;
          if (tries === 0 || tries >= DROP_ATTEMPTS) {
            if (tries > 0) log.error("drop folder: gave up on a file (on AWS its message would be dead-lettered)", { key: id.split("\n")[0], attempts: tries });
            handled.add(id);
            attempts.delete(id);
          } else attempts.set(id, tries);
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token && !stopping);
  }

  const loop = (async () => {
    while (!stopping) {
      await scan().catch((error: unknown) => log.error("drop folder listing failed", { error: errorMessage(error) }));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, everyMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return {
    async stop() {
      stopping = true;
      wake?.();
      await loop;
    },
  };
}
