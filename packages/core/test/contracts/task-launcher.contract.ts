/**
 * The TaskLauncher contract: what the dispatcher and the reconciler rely on from every launcher
 * (ECS RunTask, child processes). A launch starts one worker task for one job, with the job id in
 * its environment, and says which kind of task it is; `active()` counts the tasks started and not
 * yet ended (pending or running), and stops counting one once it ends, on its own or by `stop`;
 * `stop` is a request that is no error for a task already gone; a launch the platform refuses
 * throws TaskLaunchFailed, with the platform's reason in words, and leaves nothing running.
 *
 * `active()` counts every task of the launcher's kind (on ECS: the cluster's tasks started by the
 * dispatcher), so each test compares it with what it was when the test began, and the tests of one
 * adapter run one after the other. Ending is asynchronous where the platform makes it so (a process
 * exits after its signal), so the suite waits up to 5 seconds for a count to settle.
 *
 * What an adapter declares, so that no rule is skipped in silence:
 * - `idempotent`, a capability given with the adapter's name: launching twice with one
 *   `idempotencyToken` starts one task and answers its id both times, and the token reused for
 *   another job is refused (ECS's clientToken; the dispatcher passes the SQS message id, so a
 *   redelivered message starts no second task). Where false (child processes), the suite checks
 *   instead that a token is accepted and each launch still starts a task of its own: the
 *   dispatcher must not count on the token there.
 * - `refusals`, in the harness: the ways it can make the platform refuse a launch, each with the
 *   words the error must carry and, where the adapter decides it, whether it is worth retrying.
 *
 * Not covered here: the exact requests an adapter makes (cloud/launchers.test.ts checks ECS's),
 * how a stopped task is reported (ECS's task state change event, the process launcher's
 * `onStopped`: cloud/launchers.test.ts), and which task definition or capacity provider a size
 * picks beyond the kind (the ECS tests beside the suite's run).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskLaunchFailed, type LaunchedTask, type TaskLauncher, type TaskRequest } from "../../src/launcher/task-launcher.js";
import { sleep, unique } from "./support.js";

/** One way to make the platform refuse the next launch. */
export interface LaunchRefusal {
  /** What the platform does, in words (the test's name). */
  name: string;
  /** Makes the next launch be refused. */
  arrange(): Promise<void>;
  /** Undoes `arrange` where it left something behind, so launches work again. */
  restore?(): Promise<void>;
  /** What TaskLaunchFailed's message must say: the platform's reason. */
  message: RegExp;
  /** Whether the error must say "try again later" (true) or "this will not pass" (false); unchecked when absent. */
  retryable?: boolean;
}

export interface TaskLauncherHarness {
  launcher: TaskLauncher;
  /** Video sizes the suite launches, and the kind of task each must get. */
  sizes: { sizeBytes: number; kind: LaunchedTask["kind"] }[];
  /** Ways to make a launch fail; at least one. */
  refusals: LaunchRefusal[];
  /** VOS_JOB_ID as the task received it; waits for the task to say so where it must (a process). */
  jobIdOf(taskId: string): Promise<string | undefined>;
  /** Whether the platform still has the task alive (not ended, whether or not it was asked to stop). */
  alive(taskId: string): Promise<boolean>;
  /** Makes the task end on its own, as a worker that finished its job does (exit code 0). */
  finish(taskId: string): Promise<void>;
  close(): Promise<void>;
}

/** Polls `read` until it answers `expected` or 5 seconds passed; answers what it read last. */
async function settle<T>(read: () => Promise<T>, expected: T): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = await read();
    if (value === expected || Date.now() > deadline) return value;
    await sleep(20);
  }
}

/** What a launcher promises beyond the rules every launcher keeps; the suite checks each either way. */
export interface TaskLauncherCapabilities {
  /** One idempotencyToken starts one task (see the header). */
  idempotent: boolean;
}

export function describeTaskLauncherContract(name: string, capabilities: TaskLauncherCapabilities, makeAdapter: () => Promise<TaskLauncherHarness>): void {
  describe(`TaskLauncher contract: ${name}`, () => {
    let harness: TaskLauncherHarness;
    let launcher: TaskLauncher;
    /** Every task the suite started; those still alive at the end are stopped. */
    const launched: string[] = [];
    beforeAll(async () => {
      harness = await makeAdapter();
      launcher = harness.launcher;
    });
    afterAll(async () => {
      if (!harness) return;
      // What a failed test left running (a task already gone is left alone: its id may be reused).
      const left = await Promise.all(launched.map(async (taskId) => ((await harness.alive(taskId).catch(() => false)) ? [taskId] : [])));
      await Promise.allSettled(left.flat().map((taskId) => launcher.stop(taskId, "contract suite finished")));
      await harness.close();
    });

    const request = (overrides: Partial<TaskRequest> = {}): TaskRequest => ({
      jobId: unique("job"),
      videoId: unique("vid"),
      tenantId: "t1",
      sizeBytes: harness.sizes[0]!.sizeBytes,
      ...overrides,
    });
    const launch = async (req: TaskRequest) => {
      const task = await launcher.launch(req);
      launched.push(task.taskId);
      return task;
    };
    const activeSettles = (expected: number) => settle(() => launcher.active(), expected);
    const aliveSettles = (taskId: string, expected: boolean) => settle(() => harness.alive(taskId), expected);

    it("launches a task for a job: an id, the kind its size calls for, the job id in its environment; counted until stopped", async () => {
      const before = await launcher.active();
      const req = request();
      const task = await launch(req);
      expect(task.taskId).toEqual(expect.any(String));
      expect(task.taskId).not.toBe("");
      expect(task.kind).toBe(harness.sizes[0]!.kind);
      expect(await harness.jobIdOf(task.taskId)).toBe(req.jobId);
      expect(await harness.alive(task.taskId)).toBe(true);
      expect(await launcher.active()).toBe(before + 1);
      await launcher.stop(task.taskId, "test: stop a running task");
      expect(await aliveSettles(task.taskId, false)).toBe(false);
      expect(await activeSettles(before)).toBe(before);
    });

    it("runs the tasks of several jobs side by side, of every size, each with its own id and job, each counted", async () => {
      const before = await launcher.active();
      const requests = [...harness.sizes, ...harness.sizes].map(({ sizeBytes }) => request({ sizeBytes }));
      const tasks = await Promise.all(requests.map((req) => launch(req)));
      expect(new Set(tasks.map((t) => t.taskId)).size).toBe(requests.length);
      tasks.forEach((task, i) => expect(task.kind).toBe(harness.sizes[i % harness.sizes.length]!.kind));
      for (const [i, task] of tasks.entries()) expect(await harness.jobIdOf(task.taskId)).toBe(requests[i]!.jobId);
      expect(await launcher.active()).toBe(before + requests.length);
      await Promise.all(tasks.map((task) => launcher.stop(task.taskId, "test: several")));
      expect(await activeSettles(before)).toBe(before);
    });

    it("stops the task named and no other", async () => {
      const before = await launcher.active();
      const [stopped, kept] = await Promise.all([launch(request()), launch(request())]);
      await launcher.stop(stopped!.taskId, "test: only this one");
      expect(await aliveSettles(stopped!.taskId, false)).toBe(false);
      expect(await activeSettles(before + 1)).toBe(before + 1);
      expect(await harness.alive(kept!.taskId)).toBe(true);
      await launcher.stop(kept!.taskId, "test: cleanup");
      expect(await activeSettles(before)).toBe(before);
    });

    it("stops counting a task that ended on its own; stopping it afterwards, twice, is no error", async () => {
      const before = await launcher.active();
      const task = await launch(request());
      expect(await launcher.active()).toBe(before + 1);
      await harness.finish(task.taskId);
      expect(await aliveSettles(task.taskId, false)).toBe(false);
      expect(await activeSettles(before)).toBe(before);
      await launcher.stop(task.taskId, "test: already ended");
      await launcher.stop(task.taskId, "test: already ended, again");
      expect(await launcher.active()).toBe(before);
    });

    it("takes a second stop of a task, at once or after it ended, as no error", async () => {
      const before = await launcher.active();
      const task = await launch(request());
      await Promise.all([launcher.stop(task.taskId, "test: twice at once"), launcher.stop(task.taskId, "test: twice at once")]);
      expect(await aliveSettles(task.taskId, false)).toBe(false);
      await launcher.stop(task.taskId, "test: and once more");
      expect(await activeSettles(before)).toBe(before);
    });

    it("throws TaskLaunchFailed, with the platform's reason in words, for each launch the platform refuses; starts nothing; launches again after", async () => {
      expect(harness.refusals.length, "the harness names at least one way to refuse a launch").toBeGreaterThan(0);
      for (const refusal of harness.refusals) {
        const before = await launcher.active();
        await refusal.arrange();
        let failure: unknown;
        try {
          failure = await launch(request()).then(
            (task) => new Error(`${refusal.name}: the launch was not refused; it started ${task.taskId}`),
            (error: unknown) => error,
          );
        } finally {
          await refusal.restore?.();
        }
        expect(failure, refusal.name).toBeInstanceOf(TaskLaunchFailed);
        expect((failure as TaskLaunchFailed).name, refusal.name).toBe("TaskLaunchFailed");
        expect((failure as TaskLaunchFailed).message, refusal.name).toMatch(refusal.message);
        if (refusal.retryable !== undefined) expect((failure as TaskLaunchFailed).retryable, refusal.name).toBe(refusal.retryable);
        expect(await launcher.active(), refusal.name).toBe(before);

        const task = await launch(request());
        expect(await launcher.active(), `${refusal.name}: a launch after it`).toBe(before + 1);
        await launcher.stop(task.taskId, "test: after a refusal");
        expect(await activeSettles(before)).toBe(before);
      }
    });

    if (capabilities.idempotent) {
      it("idempotent (declared): launching twice with one idempotencyToken starts one task and answers its id both times; another token is another task", async () => {
        const before = await launcher.active();
        // Longer than ECS's 64 characters: the adapter makes any token fit.
        const req = request({ idempotencyToken: `msg-${unique("token")}-${"x".repeat(80)}` });
        const first = await launch(req);
        const again = await launch({ ...req });
        expect(again).toEqual(first);
        expect(await launcher.active()).toBe(before + 1);
        const other = await launch(request({ idempotencyToken: unique("msg") }));
        expect(other.taskId).not.toBe(first.taskId);
        expect(await launcher.active()).toBe(before + 2);
        await Promise.all([launcher.stop(first.taskId, "test: cleanup"), launcher.stop(other.taskId, "test: cleanup")]);
        expect(await activeSettles(before)).toBe(before);
      });

      it("idempotent (declared): the token reused for another job is refused with TaskLaunchFailed, not answered with the first job's task", async () => {
        const before = await launcher.active();
        const token = unique("msg");
        const first = await launch(request({ idempotencyToken: token }));
        const reused = await launch(request({ idempotencyToken: token })).catch((error: unknown) => error);
        expect(reused).toBeInstanceOf(TaskLaunchFailed);
        expect(await launcher.active()).toBe(before + 1);
        await launcher.stop(first.taskId, "test: cleanup");
        expect(await activeSettles(before)).toBe(before);
      });
    } else {
      it("not idempotent (declared): a launch with a token already used still starts a task of its own, for its own job", async () => {
        const before = await launcher.active();
        const token = `msg-${unique("token")}-${"x".repeat(80)}`;
        const req = request({ idempotencyToken: token });
        const first = await launch(req);
        const again = await launch({ ...req });
        const other = await launch(request({ idempotencyToken: token }));
        expect(new Set([first.taskId, again.taskId, other.taskId]).size).toBe(3);
        expect(await harness.jobIdOf(again.taskId)).toBe(req.jobId);
        expect(await launcher.active()).toBe(before + 3);
        await Promise.all([first, again, other].map((task) => launcher.stop(task.taskId, "test: cleanup")));
        expect(await activeSettles(before)).toBe(before);
      });
    }
  });
}
