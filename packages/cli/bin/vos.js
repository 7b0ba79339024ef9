#!/usr/bin/env node
// Runs the TypeScript entry in this same process, so `vos` works straight from a checkout after
// `npm install` and signals reach the real process: from a bundle of the sources, rebuilt when
// they change, or through tsx (bundle.js says when).
import { runEntry } from "./bundle.js";

await runEntry("packages/cli/src/bin.ts");
