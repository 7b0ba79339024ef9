import { describe, expect, it } from "vitest";
import { EmbedPlan } from "../src/object/embed-plan.js";

const at = (timeSec: number, size = 0.3, score = 0.5) => ({ timeSec, box: { w: size, h: size }, score });

describe("which crops of a track are embedded", () => {
  it("the first, then one every few seconds", () => {
    const plan = new EmbedPlan(4);
    expect([0, 1, 2, 3, 4, 5, 7.9, 8].map((t) => plan.decide("t", at(t)))).toEqual([true, false, false, false, true, false, false, true]);
  });

  it("sooner when the box doubles or halves, or the detector is much surer", () => {
    const plan = new EmbedPlan(10);
    expect(plan.decide("t", at(0, 0.3))).toBe(true);
    expect(plan.decide("t", at(1, 0.4))).toBe(false); // 1.8 times the area
    expect(plan.decide("t", at(2, 0.43))).toBe(true); // over twice
    expect(plan.decide("t", at(3, 0.3))).toBe(true); // under half of that
    expect(plan.decide("t", at(4, 0.3, 0.6))).toBe(false);
    expect(plan.decide("t", at(5, 0.3, 0.66))).toBe(true);
  });

  it("keeps tracks apart, forgets ended ones, and resumes from a remembered detection", () => {
    const plan = new EmbedPlan(4);
    expect(plan.decide("a", at(0))).toBe(true);
    expect(plan.decide("b", at(1))).toBe(true);
    expect(plan.decide("a", at(2))).toBe(false);
    plan.keepOnly(new Set(["b"]));
    expect(plan.decide("a", at(3))).toBe(true);
    const resumed = new EmbedPlan(4);
    resumed.remember("b", at(1));
    expect(resumed.decide("b", at(4))).toBe(false);
    expect(resumed.decide("b", at(5))).toBe(true);
  });

  it("embeds every detection at 0", () => {
    const plan = new EmbedPlan(0);
    expect([0, 0.5, 1].map((t) => plan.decide("t", at(t)))).toEqual([true, true, true]);
  });
});
