/**
 * Setup file of the test projects that share one process among several test files (no isolation,
 * see vitest.config.ts): whatever a file sets in process.env (emulator endpoints, a model folder,
 * a database URL) is undone when the file ends, so the next file in the process starts from the
 * same environment it would have in a process of its own.
 */
import { afterAll } from "vitest";

const before = { ...process.env };

afterAll(() => {
  for (const key of Object.keys(process.env)) if (!(key in before)) delete process.env[key];
  Object.assign(process.env, before);
});
