#!/usr/bin/env node
// Runs the TypeScript entry in this same process, so `vos` works straight from a checkout after
// `npm install` and signals reach the real process: from a bundle of the sources, rebuilt when
// they change, or through tsx (packages/core/bin/bundle.js says when).
import { runEntry } from "../../core/bin/bundle.js";

await runEntry("packages/cli/src/bin.ts");
