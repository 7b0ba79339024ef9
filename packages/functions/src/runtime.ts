import { existsSync } from "node:fs";
import path from "node:path";
import { createLogger, errorMessage } from "@vos/core";
import { createProcessLauncher, type TaskLauncher } from "@vos/core/launcher";
import { handleTaskStopped, lambdaRuntime, type CloudRole, type CloudRuntime } from "@vos/core/runtime/cloud";
import { pineconeKeyFromSst } from "./secrets.js";

/**
 * The cloud runtime of a handler, with the Pinecone key read from the bound SST secret when the
 * environment has none. Under `sst dev` with local workers (see `devWorkers`), the functions that
 * start and stop workers run them as processes on the developer's machine.
 */
export function functionRuntime(role: CloudRole): Promise<CloudRuntime> {
  const launcher = role === "dispatch" || role === "reconciler" ? devWorkers() : undefined;
  return lambdaRuntime(role, { pineconeApiKey: pineconeKeyFromSst, ...(launcher ? { launcher } : {}) });
}

let local: TaskLauncher | undefined;

/**
 * `sst dev` (Live Lambda: IS_LOCAL) runs the handlers on the developer's machine; with
 * VOS_DEV_WORKERS=local (what the stack sets in dev mode unless told `ecs`) a job runs the worker
 * entry from the working tree as a child process instead of an ECS task, so a change to the
 * pipeline needs no image build. The process gets the function's environment (its AWS
 * credentials: the stack grants the dispatcher the worker's permissions in dev mode) and the
 * Pinecone key. Its exit is settled as ECS's task-stopped event would be; if the thread that
 * started it is gone by then (SST rebuilt the function), the reconciler settles the job later.
 */
export function devWorkers(env: NodeJS.ProcessEnv = process.env): TaskLauncher | undefined {
  if (env.IS_LOCAL !== "true" || env.VOS_DEV_WORKERS !== "local") return undefined;
  if (local) return local;
  const log = createLogger({ runtime: "cloud", role: "dev-workers" });
  let runtime: Promise<CloudRuntime> | undefined;
  // What each worker process starts with; the Pinecone key is added on the first launch.
  const workerEnv: NodeJS.ProcessEnv = { ...env };
  const launcher = createProcessLauncher({
    env: workerEnv,
    // Where the worker entry is: the working tree, or VOS_DEV_WORKER_DIR (a folder laid out as the
    // worker image is, which the deploy rehearsal builds).
    cwd: env.VOS_DEV_WORKER_DIR || projectRoot(process.cwd()),
    output: (line) => process.stdout.write(`[worker] ${line}\n`),
    onStopped: async (stopped) => {
      runtime ??= lambdaRuntime("dispatch", { pineconeApiKey: pineconeKeyFromSst, launcher });
      await handleTaskStopped((await runtime).control(), stopped).catch((error: unknown) => {
        log.error("could not settle a local worker's job", { jobId: stopped.jobId, error: errorMessage(error) });
      });
    },
  });
  local = {
    active: () => launcher.active(),
    stop: (taskId, reason) => launcher.stop(taskId, reason),
    // The worker has no SST binding to read the key from: it gets it in its environment.
    async launch(request) {
      workerEnv.PINECONE_API_KEY ||= await pineconeKeyFromSst();
      return launcher.launch(request);
    },
  };
  return local;
}

/** The repository root: where the worker entry is (sst dev runs from the project root). */
function projectRoot(from: string): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "packages/worker/src/main.ts"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No packages/worker/src/main.ts above ${from}: run sst dev from the repository.`);
  }
}
