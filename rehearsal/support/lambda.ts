/**
 * A built Lambda function run as Lambda runs it: its own Node.js process per instance, the
 * function's code folder as working folder, the bundle imported once and invocations served one
 * at a time (see lambda-host.mjs). `start` is a cold start; invoke it again for warm calls.
 */
import { fork, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const HOST = path.join(path.dirname(fileURLToPath(import.meta.url)), "lambda-host.mjs");

export interface FunctionCode {
  /** What the rehearsal calls it: api, dispatch... */
  name: string;
  /** The unzipped asset (Lambda's /var/task). */
  dir: string;
  /** The template's Handler, e.g. packages/functions/src/api.handler. */
  handler: string;
  timeoutSec: number;
}

export interface FunctionInstance {
  code: FunctionCode;
  pid: number;
  /** When the process was spawned and when the bundle finished importing (ms since spawn). */
  spawnedAt: number;
  importMs: number;
  /** Every line the instance printed (its logs). */
  lines: string[];
  invoke<T = unknown>(event: unknown): Promise<{ result: T; ms: number }>;
  stop(): Promise<void>;
}

export class InvocationFailed extends Error {
  constructor(
    readonly functionName: string,
    readonly failure: { name: string; message: string; stack?: string },
  ) {
    super(`${functionName}: ${failure.name}: ${failure.message}`);
  }
}

/** Starts a fresh instance (a cold start) with the function's environment. */
export async function startFunction(code: FunctionCode, env: Record<string, string>, options: { echo?: (line: string) => void } = {}): Promise<FunctionInstance> {
  const dot = code.handler.lastIndexOf(".");
  const file = path.join(code.dir, `${code.handler.slice(0, dot)}.mjs`);
  const exportName = code.handler.slice(dot + 1);
  const spawnedAt = performance.now();
  const child: ChildProcess = fork(HOST, [file, exportName, code.name, String(code.timeoutSec)], {
    cwd: code.dir,
    // Lambda's variables as the runtime sets them, then the function's own.
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LAMBDA_TASK_ROOT: code.dir, AWS_LAMBDA_FUNCTION_NAME: code.name, NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    execArgv: [],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on("line", (line) => {
      lines.push(line);
      options.echo?.(`[${code.name}] ${line}`);
    });
  }
  const pending = new Map<string, { resolve: (value: { result: unknown; ms: number }) => void; reject: (error: Error) => void }>();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("exit", (exitCode, signal) => {
    for (const { reject } of pending.values()) reject(new Error(`${code.name} exited (${signal ?? exitCode}) during an invocation: ${lines.slice(-3).join(" | ")}`));
    pending.clear();
  });

  const importMs = await new Promise<number>((resolve, reject) => {
    const onExit = (exitCode: number | null) => reject(new Error(`${code.name} exited with ${exitCode} before it loaded: ${lines.slice(-5).join(" | ")}`));
    child.once("exit", onExit);
    child.once("message", (message: { ready: boolean; importMs?: number; error?: { name: string; message: string } }) => {
      child.off("exit", onExit);
      if (message.ready) resolve(message.importMs ?? 0);
      else reject(new InvocationFailed(code.name, message.error ?? { name: "Error", message: "failed to load" }));
    });
  });
  child.on("message", (message: { id?: string; result?: unknown; error?: { name: string; message: string; stack?: string }; ms?: number }) => {
    if (!message.id) return;
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    if (message.error) waiting.reject(new InvocationFailed(code.name, message.error));
    else waiting.resolve({ result: message.result, ms: message.ms ?? 0 });
  });

  return {
    code,
    pid: child.pid!,
    spawnedAt,
    importMs,
    lines,
    invoke<T>(event: unknown) {
      const id = randomUUID();
      return new Promise<{ result: T; ms: number }>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: { result: unknown; ms: number }) => void, reject });
        child.send({ id, event });
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
