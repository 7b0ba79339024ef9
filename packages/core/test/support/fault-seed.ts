/**
 * Seeded randomness for fault-injection tests: every run prints its seed, and VOS_FAULT_SEED
 * replays a run that failed (same kill delays, same choices).
 */

import { mulberry32 } from "../../scripts/seeded-random.js";

export interface FaultRandom {
  seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
}

/** The seed from VOS_FAULT_SEED, else a fresh one; printed with the test's name either way. */
export function faultRandom(name: string, env: NodeJS.ProcessEnv = process.env): FaultRandom {
  const given = env.VOS_FAULT_SEED?.trim();
  const seed = given ? Number(given) >>> 0 : Math.floor(Math.random() * 2 ** 32);
  if (given && !/^\d+$/.test(given)) throw new Error(`VOS_FAULT_SEED=${given} is not a non-negative integer`);
  console.info(`${name}: VOS_FAULT_SEED=${seed}${given ? " (replayed)" : ""}`);
  const next = mulberry32(seed);
  return { seed, next, int: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}
