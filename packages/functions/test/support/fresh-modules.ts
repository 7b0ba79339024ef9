/**
 * Setup file of the `handlers` project (vitest.config.ts): a Lambda handler keeps its runtime in
 * module state, so each test file must import the project's modules afresh, as a new Lambda
 * instance would. Resetting the module registry before each file does that inside one shared
 * worker process, where a process per file would also load every npm package (the AWS SDK,
 * transformers.js, ONNX Runtime, PGlite) again, which Node keeps loaded across files.
 */
import { vi } from "vitest";

vi.resetModules();
