/**
 * `sst dev` with local workers: the dispatcher and the reconciler get a process launcher only
 * when Live Lambda runs them (IS_LOCAL) and the stack asked for local workers. The whole path (the
 * built dispatcher starting worker processes that take jobs to ready) runs in `npm run rehearse`.
 */
import { spawn } from "node:child_process";
import { processTaskId } from "@vos/core/launcher";
import { describe, expect, it } from "vitest";
import { devWorkers } from "../src/runtime.js";

describe("devWorkers", () => {
  it("stays off on Lambda, without local workers, and for ECS workers", () => {
    expect(devWorkers({ VOS_DEV_WORKERS: "local" })).toBeUndefined();
    expect(devWorkers({ IS_LOCAL: "true" })).toBeUndefined();
    expect(devWorkers({ IS_LOCAL: "true", VOS_DEV_WORKERS: "ecs" })).toBeUndefined();
  });

  it("runs workers as processes under sst dev, and stops one another launcher started (the reconciler's thread)", async () => {
    const launcher = devWorkers({ IS_LOCAL: "true", VOS_DEV_WORKERS: "local", VOS_DEV_WORKER_DIR: process.cwd() });
    expect(launcher).toBeDefined();
    expect(await launcher!.active()).toBe(0);
    const stray = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"], { stdio: "ignore" });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => stray.once("exit", (_code, signal) => resolve(signal)));
    await launcher!.stop(processTaskId(stray.pid!), "stuck job re-queued by the reconciler");
    expect(await exited).toBe("SIGTERM");
    // An id that names no process, or not a process at all, is ignored.
    await expect(launcher!.stop(processTaskId(2 ** 22 + 12345), "gone")).resolves.toBeUndefined();
    await expect(launcher!.stop("arn:aws:ecs:us-east-1:123456789012:task/c/abc", "not ours")).resolves.toBeUndefined();
  });
});
