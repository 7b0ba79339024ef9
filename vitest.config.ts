import { readdirSync, readFileSync } from "node:fs";
import { configDefaults, defineConfig } from "vitest/config";

/**
 * One `vitest run` (`npm test`) runs four projects; `npm run test:<project>` runs one.
 *
 * - unit: in-process and fast: no emulator, database, server or child process. A file joins by
 *   its name (`*.unit.test.ts`), or by being listed in UNIT below (files named before the split).
 * - integration: emulators (fauxqs, cognito-local, the Pinecone- and ECS-protocol servers, a model hub),
 *   databases (PGlite, PostgreSQL), the API in process, ffmpeg and the models. Every test file
 *   that no other project claims lands here.
 * - dom: the web app's views and stores in a simulated DOM (happy-dom): the files whose first line
 *   names that environment. They have a project of their own because a worker process is shared
 *   only among files of one environment.
 * - handlers: the Lambda handlers' integration tests (`packages/functions/test`). A handler keeps
 *   its runtime in module state, as it does in Lambda, so each of these files imports the
 *   project's modules afresh (support/fresh-modules.ts), in a worker process the files share.
 * - e2e: the `vos` command as processes, browsers, fault runs: `*.e2e.test.ts` and `faults/`.
 * - stacks: `stacks/test/`, the SST app synthesized offline once per run (see its global setup).
 */
const ROOTS = ["packages/*/test", "stacks/test", "scripts/test"];
const ALL = ROOTS.map((root) => `${root}/**/*.test.ts`);

const E2E = [...ROOTS.map((root) => `${root}/**/*.e2e.test.ts`), "packages/*/test/**/faults/**/*.test.ts"];
const STACKS = ["stacks/test/**/*.test.ts"];
const HANDLERS = ["packages/functions/test/**/*.test.ts"];
const WEB_TESTS = "packages/web/test";
const DOM = readdirSync(WEB_TESTS)
  .filter((name) => name.endsWith(".test.ts") && !name.endsWith(".e2e.test.ts"))
  .map((name) => `${WEB_TESTS}/${name}`)
  .filter((file) => readFileSync(file, "utf8").startsWith("// @vitest-environment happy-dom"));
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

/**
 * Unit and integration files share their worker processes (no per-file isolation): the module graph
 * (transformers.js, ONNX Runtime, PGlite, the AWS SDK) is loaded once per process instead of once
 * per file, which saves about a fifth of these projects' CPU. Each file's changes to process.env
 * are undone when it ends (file-env.ts).
 */
const SHARED_PROCESS = { isolate: false, setupFiles: ["packages/core/test/support/file-env.ts"] };

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: true,
    maxWorkers: 2,
    // As packages/core/bin/bundle.js sets it for `vos`: most test files open PGlite for a few
    // seconds, too short for V8's background recompiling of its WebAssembly to pay back.
    execArgv: ["--wasm-tiering-budget=180000000"],
    env: { VOS_LOG_LEVEL: process.env.VOS_LOG_LEVEL ?? "warn" },
    // Every project must be named here, or its files would run in none.
    projects: [
      { extends: true, test: { name: "unit", include: UNIT, exclude: [...configDefaults.exclude, ...E2E, ...STACKS, ...DOM], ...SHARED_PROCESS } },
      {
        extends: true,
        test: { name: "integration", include: ALL, exclude: [...configDefaults.exclude, ...UNIT, ...E2E, ...STACKS, ...HANDLERS, ...DOM], ...SHARED_PROCESS },
      },
      { extends: true, test: { name: "dom", include: DOM, environment: "happy-dom", ...SHARED_PROCESS } },
      {
        extends: true,
        test: {
          name: "handlers",
          include: HANDLERS,
          exclude: [...configDefaults.exclude, ...UNIT, ...E2E],
          isolate: false,
          setupFiles: [...SHARED_PROCESS.setupFiles, "packages/functions/test/support/fresh-modules.ts"],
        },
      },
      { extends: true, test: { name: "e2e", include: E2E, ...SHARED_PROCESS } },
      { extends: true, test: { name: "stacks", include: STACKS, globalSetup: ["stacks/test/support/global-setup.ts"], ...SHARED_PROCESS } },
    ],
  },
});
