/**
 * Setup file of the test projects that share one process among several test files (no isolation,
 * see vitest.config.ts): whatever a file set in process.env (emulator endpoints, a model folder, a
 * database URL) or in the logger (a runtime sets its level from its config) is undone when the
 * file ends, so the next file in the process starts as it would in a process of its own.
 */
import { afterAll } from "vitest";
import { setLogLevel, setLogSink, type LogLevel } from "../../src/log.js";

const before = { ...process.env };
const LEVELS: readonly string[] = ["debug", "info", "warn", "error", "silent"] satisfies LogLevel[];

afterAll(() => {
  for (const key of Object.keys(process.env)) if (!(key in before)) delete process.env[key];
  Object.assign(process.env, before);
  const level = process.env.VOS_LOG_LEVEL ?? "info";
  setLogLevel(LEVELS.includes(level) ? (level as LogLevel) : "info");
  setLogSink((line) => process.stderr.write(`${line}\n`));
});
