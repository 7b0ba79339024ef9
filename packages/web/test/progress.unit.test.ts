/** Progress in words and steady bars (lib/progress.ts). */
import { describe, expect, it } from "vitest";
import type { VideoView } from "../src/api/types";
import { ordinal, outOf, steadyProgress, timing } from "../src/lib/progress";
import { runningJob } from "./support/video-view";

type Job = NonNullable<VideoView["job"]>;
const job = runningJob;
const video = (j: Job | null, id = "vid_1") => ({ id, title: "clip", status: "processing", job: j }) as VideoView;

describe("progress in words", () => {
  it("says 1st, 2nd, 3rd, 11th, 22nd", () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111, 1002].map(ordinal)).toEqual(["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th", "1,002nd"]);
  });

  it("gives a waiting run's place and a running run's time so far and time left", () => {
    expect(timing(job({ status: "queued", queuePlace: 1, elapsedSec: null, etaSec: null }))).toBe("Next in the queue");
    expect(timing(job({ status: "queued", queuePlace: 3, elapsedSec: null, etaSec: null }))).toBe("3rd in the queue");
    expect(timing(job({ status: "queued", queuePlace: null, elapsedSec: null, etaSec: null }))).toBe("Waiting for a worker");
    expect(timing(job({}))).toBe("Running for 1:12 · about 0:40 left");
    expect(timing(job({ etaSec: null }))).toBe("Running for 1:12 · estimating the time left");
    expect(timing(job({ status: "succeeded", elapsedSec: null, etaSec: null }))).toBe("");
  });

  it("counts frames out of those sampled", () => {
    expect(outOf(74, 240, "embedded")).toBe("74 of 240 embedded");
    expect(outOf(0, 0, "indexed")).toBe("0 indexed");
  });
});

describe("steady progress", () => {
  it("never shows a run going back, and starts a new run afresh", () => {
    const before = [video(job({}))];
    // The task restarted and resumes from its checkpoint: lower numbers for a moment.
    const restarted = job({ attempts: 2, progress: { stage: "sample", stages: { probe: 1, sample: 0.3, embed: 0.2, index: 0.1 }, frames: { sampled: 80, embedded: 50, indexed: 40, objects: 2 } } });
    const [shown] = steadyProgress(before, [video(restarted)]);
    expect(shown!.job!.progress.stages).toEqual({ probe: 1, sample: 1, embed: 0.5, index: 0.25 });
    expect(shown!.job!.progress.frames).toEqual({ sampled: 240, embedded: 120, indexed: 60, objects: 7 });
    expect(shown!.job!.attempts).toBe(2);
    // Moving on is shown as it is.
    const further = job({ progress: { stage: "index", stages: { probe: 1, sample: 1, embed: 1, index: 0.5 }, frames: { sampled: 240, embedded: 240, indexed: 120, objects: 9 } } });
    expect(steadyProgress(before, [video(further)])[0]!.job!.progress).toEqual(further.progress);
    // A retry is a new run: its own numbers.
    const retry = job({ id: "job_2", progress: { stage: "probe", stages: { probe: 0, sample: 0, embed: 0, index: 0 }, frames: { sampled: 0, embedded: 0, indexed: 0, objects: 0 } } });
    expect(steadyProgress(before, [video(retry)])[0]!.job!.progress).toEqual(retry.progress);
    expect(steadyProgress(before, [video(null)])[0]!.job).toBeNull();
  });
});
