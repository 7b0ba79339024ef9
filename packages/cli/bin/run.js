#!/usr/bin/env node
// Runs a TypeScript entry of this checkout the way bin/vos.js runs the CLI (bundle.js): from a
// bundle of its sources, or through tsx. `node packages/cli/bin/run.js packages/worker/src/main.ts`
// is how the cloud runtime on one machine starts its worker tasks.
import { runEntry } from "./bundle.js";

const entry = process.argv[2];
if (!entry) {
  process.stderr.write("usage: node packages/cli/bin/run.js <entry.ts>\n");
  process.exit(2);
}
await runEntry(entry);
