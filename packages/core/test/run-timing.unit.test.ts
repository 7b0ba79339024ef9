/** A run's time so far and estimated time left, from its stages' progress (job/runs.ts). */
import { describe, expect, it } from "vitest";
import { doneShare, runTiming } from "../src/job/runs.js";
import type { JobProgress } from "../src/job/job.sql.js";

const progress = (stage: JobProgress["stage"], stages: Partial<JobProgress["stages"]>): JobProgress => ({
  stage,
  stages: { probe: 0, sample: 0, embed: 0, index: 0, ...stages },
  frames: { sampled: 0, embedded: 0, indexed: 0, objects: 0 },
});
const now = new Date("2026-12-06T12:00:00Z");
const ago = (sec: number) => new Date(now.getTime() - sec * 1000);

describe("run timing", () => {
  it("weighs the stages: probing little, embedding most; done is whole", () => {
    expect(doneShare(progress("probe", {}))).toBe(0);
    expect(doneShare(progress("sample", { probe: 1 }))).toBeCloseTo(0.05);
    expect(doneShare(progress("embed", { probe: 1, sample: 1, embed: 0.5 }))).toBeCloseTo(0.575);
    expect(doneShare(progress("index", { probe: 1, sample: 1, embed: 1, index: 1 }))).toBeCloseTo(1);
    expect(doneShare(progress("done", {}))).toBe(1);
    expect(doneShare(progress("embed", { probe: 2, sample: -1 }))).toBeCloseTo(0.05); // out of range values are clamped
  });

  it("gives the time left at the pace so far, once there is a pace, and only while the run runs", () => {
    const halfway = progress("embed", { probe: 1, sample: 1, embed: 0.5 });
    expect(runTiming({ status: "running", progress: halfway, startedAt: ago(60) }, now)).toEqual({ elapsedSec: 60, etaSec: 44 });
    // Too early to tell: just started, or barely begun.
    expect(runTiming({ status: "running", progress: halfway, startedAt: ago(1) }, now)).toEqual({ elapsedSec: 1, etaSec: null });
    expect(runTiming({ status: "running", progress: progress("probe", { probe: 0.2 }), startedAt: ago(30) }, now)).toEqual({ elapsedSec: 30, etaSec: null });
    // Not running, or never started: no times.
    for (const status of ["queued", "succeeded", "failed"] as const) expect(runTiming({ status, progress: halfway, startedAt: ago(60) }, now)).toEqual({ elapsedSec: null, etaSec: null });
    expect(runTiming({ status: "running", progress: halfway, startedAt: null }, now)).toEqual({ elapsedSec: null, etaSec: null });
  });
});
