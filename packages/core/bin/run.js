#!/usr/bin/env node
// Runs a TypeScript entry of this checkout the way `vos` runs the CLI (bundle.js): from a bundle
// of its sources, or through tsx. `node packages/core/bin/run.js packages/worker/src/main.ts` is
// how every worker starts: the images' CMD, `sst dev`'s local workers and the cloud runtime on
// one machine (WORKER_COMMAND).
import { runEntry } from "./bundle.js";

const entry = process.argv[2];
if (!entry) {
  process.stderr.write("usage: node packages/core/bin/run.js <entry.ts>\n");
  process.exit(2);
}
await runEntry(entry);
