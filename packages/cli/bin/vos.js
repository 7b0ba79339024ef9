#!/usr/bin/env node
// Registers tsx's loader and runs the TypeScript entry in this same process, so `vos` works
// straight from a checkout after `npm install`, and signals reach the real process.
import { register } from "tsx/esm/api";

register();
await import("../src/bin.ts");
