import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { TaskLaunchFailed, type LaunchedTask, type TaskLauncher, type TaskRequest, type TaskStopped } from "./task-launcher.js";

const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
/**
 * The worker entry, run as the images' CMD runs it: from a bundle of the sources
 * (packages/core/bin/run.js), which the images build at build time and a checkout builds on first
 * use and whenever a source changed. A worker starts on about 1.5 s of CPU instead of 3.4 through tsx.
 */
export const WORKER_COMMAND = [process.execPath, "packages/core/bin/run.js", "packages/worker/src/main.ts"];

export interface ProcessLauncherOptions {
  /** Environment of every worker (the cloud settings); VOS_JOB_ID and VOS_TASK_ID are added. */
  env: NodeJS.ProcessEnv;
  command?: string[];
  cwd?: string;
  /** Called when a worker exits, as ECS's task state change would be. */
  onStopped(stopped: TaskStopped): void | Promise<void>;
  /** Where workers' log lines go; default: this process's stderr. */
  output?: (line: string) => void;
}

/** The id of a worker process: its pid, so any launcher on the machine can stop it. */
export const processTaskId = (pid: number) => `process:${pid}`;
/** VOS_TASK_ID of a worker process: "my own pid" (it is only known once the process exists). */
export const OWN_PROCESS_TASK_ID = "process:self";
const pidOf = (taskId: string) => (/^process:(\d+)$/.exec(taskId) ? Number(taskId.slice("process:".length)) : undefined);

/**
 * Worker tasks as child processes: the cloud runtime on one machine (local emulators in place of
 * AWS), and `sst dev`'s local workers. Each job runs the real worker entry with VOS_JOB_ID,
 * exactly as an ECS task would; its exit is reported like a stopped task, with the last lines it
 * printed as the reason.
 */
export function createProcessLauncher(options: ProcessLauncherOptions): TaskLauncher & { settled(): Promise<void> } {
  const running = new Map<string, { child: ChildProcess; exited: Promise<void> }>();
  const output = options.output ?? ((line: string) => process.stderr.write(line + "\n"));
  const [command, ...args] = options.command ?? WORKER_COMMAND;

  return {
    async active() {
      return running.size;
    },

    async launch(request: TaskRequest): Promise<LaunchedTask> {
      const child = spawn(command!, args, {
        cwd: options.cwd ?? REPO_ROOT,
        env: { ...options.env, VOS_JOB_ID: request.jobId, VOS_TASK_ID: OWN_PROCESS_TASK_ID },
        stdio: ["ignore", "pipe", "pipe"],
      });
      if (child.pid === undefined) {
        const failure = await new Promise<Error>((resolve) => child.once("error", resolve));
        throw new TaskLaunchFailed(`could not start the worker process (${command}): ${failure.message}`);
      }
      const taskId = processTaskId(child.pid);
      const tail: string[] = [];
      for (const stream of [child.stdout!, child.stderr!]) {
        createInterface({ input: stream }).on("line", (line) => {
          tail.push(line);
          if (tail.length > 20) tail.shift();
          output(line);
        });
      }
      const exited = new Promise<void>((resolve) => {
        child.on("error", (error) => tail.push(error.message));
        child.on("close", (code, signal) => {
          running.delete(taskId);
          const last = tail.filter((line) => line.trim()).slice(-3).join(" | ");
          const reason = signal ? `killed by ${signal}` : code === 0 ? "the worker finished" : `the worker exited with code ${code}${last ? `: ${last}` : ""}`;
          Promise.resolve(options.onStopped({ taskId, jobId: request.jobId, exitCode: signal ? null : code, reason }))
            .catch((error: unknown) => output(`task stop handler failed: ${error instanceof Error ? error.message : String(error)}`))
            .finally(resolve);
        });
      });
      running.set(taskId, { child, exited });
      return { taskId, kind: "process" };
    },

    async stop(taskId) {
      const own = running.get(taskId);
      if (own) {
        own.child.kill("SIGTERM");
        return;
      }
      // Started by another launcher on this machine (sst dev runs each function in its own thread).
      const pid = pidOf(taskId);
      if (pid === undefined) return;
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
    },

    /** Waits until every started worker has exited and been reported. */
    async settled() {
      await Promise.all([...running.values()].map((task) => task.exited));
    },
  };
}
