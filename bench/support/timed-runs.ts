import type * as ort from "onnxruntime-node";

/**
 * Runs `session` on `feeds` once to warm it up, then again until `minMs` have passed and
 * `minRuns` were made: the runs and the milliseconds they took.
 */
export async function timedRuns(session: ort.InferenceSession, feeds: ort.InferenceSession.FeedsType, minMs: number, minRuns: number): Promise<{ runs: number; ms: number }> {
  await session.run(feeds);
  const started = performance.now();
  let runs = 0;
  while (runs < minRuns || performance.now() - started < minMs) {
    await session.run(feeds);
    runs++;
  }
  return { runs, ms: performance.now() - started };
}
