import { configDefaults, defineConfig } from "vitest/config";

/**
 * One `vitest run` (`npm test`) runs four projects; `npm run test:<project>` runs one.
 *
 * - unit: in-process and fast: no emulator, database, server or child process. A file joins by
 *   its name (`*.unit.test.ts`), or by being listed in UNIT below (files named before the split).
 * - integration: emulators (fauxqs, cognito-local, the Pinecone- and ECS-protocol servers, a model hub),
 *   databases (PGlite, PostgreSQL), the API in process, ffmpeg and the models. Every test file
 *   that no other project claims lands here.
 * - e2e: the `vos` command as processes, browsers, fault runs: `*.e2e.test.ts` and `faults/`.
 * - stacks: `stacks/test/`, the SST app synthesized offline once per run (see its global setup).
 */
const ROOTS = ["packages/*/test", "stacks/test", "scripts/test"];
const ALL = ROOTS.map((root) => `${root}/**/*.test.ts`);

const E2E = [...ROOTS.map((root) => `${root}/**/*.e2e.test.ts`), "packages/*/test/**/faults/**/*.test.ts"];
const STACKS = ["stacks/test/**/*.test.ts"];
const UNIT = [
  ...ROOTS.map((root) => `${root}/**/*.unit.test.ts`),
  "packages/cli/test/token.test.ts",
  "packages/core/test/bench-model.test.ts",
  "packages/core/test/config.test.ts",
  "packages/core/test/log.test.ts",
  "packages/core/test/moments.test.ts",
  "packages/core/test/quantize.test.ts",
  "packages/core/test/sampling.test.ts",
  "packages/core/test/semaphore.test.ts",
  "packages/web/test/api-token.test.ts",
  "packages/web/test/player.test.ts",
  "packages/web/test/serving.test.ts",
  "packages/web/test/shrink.test.ts",
  "packages/web/test/video-list.test.ts",
  "packages/worker/test/image-secrets.test.ts",
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: true,
    maxWorkers: 2,
    // As packages/cli/bin/bundle.js sets it for `vos`: most test files open PGlite for a few
    // seconds, too short for V8's background recompiling of its WebAssembly to pay back.
    execArgv: ["--wasm-tiering-budget=180000000"],
    env: { VOS_LOG_LEVEL: process.env.VOS_LOG_LEVEL ?? "warn" },
    // Every project must be named here, or its files would run in none.
    projects: [
      { extends: true, test: { name: "unit", include: UNIT, exclude: [...configDefaults.exclude, ...E2E, ...STACKS] } },
      { extends: true, test: { name: "integration", include: ALL, exclude: [...configDefaults.exclude, ...UNIT, ...E2E, ...STACKS] } },
      { extends: true, test: { name: "e2e", include: E2E } },
      { extends: true, test: { name: "stacks", include: STACKS, globalSetup: ["stacks/test/support/global-setup.ts"] } },
    ],
  },
});
