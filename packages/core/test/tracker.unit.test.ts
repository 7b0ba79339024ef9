import { describe, expect, it } from "vitest";
import { EmbedPlan } from "../src/object/embed-plan.js";
import { DEFAULT_TRACK_SETTINGS, replayFrames, Tracker, trackId } from "../src/object/tracker.js";
import type { TrackedDetection, TrackedFrame } from "../src/object/tracker.js";

const box = (x: number, y: number, w = 0.2, h = 0.3) => ({ x, y, w, h });
const frame = (frameNo: number, cut = false): TrackedFrame => ({ frameNo, timeSec: frameNo, cut });

/** Runs a tracker over frames of detections; answers the track ids frame by frame. */
function track(frames: TrackedDetection[][], cuts: number[] = []): string[][] {
  const tracker = new Tracker("v");
  return frames.map((detections, frameNo) => tracker.assign(frame(frameNo, cuts.includes(frameNo)), detections));
}

describe("tracks", () => {
  it("follow a moving object frame to frame and keep other labels apart", () => {
    const ids = track(Array.from({ length: 6 }, (_, i) => [{ label: "person", box: box(0.05 + 0.12 * i, 0.3) }, { label: "dog", box: box(0.1 + 0.12 * i, 0.35) }]));
    expect(ids.map((frame) => frame[0])).toEqual(Array(6).fill(trackId("v", 0, 0)));
    expect(ids.map((frame) => frame[1])).toEqual(Array(6).fill(trackId("v", 0, 1)));
  });

  it("follow motion faster than a box's width a frame, by the speed so far", () => {
    // 0.25 of the frame a step with boxes 0.2 wide: consecutive boxes never overlap.
    const fast = track([0, 0.25, 0.5, 0.75].map((x) => [{ label: "car", box: box(x, 0.4) }]));
    expect(new Set(fast.flat())).toEqual(new Set([trackId("v", 0, 0)]));
    // A box far from anything expected, or of another size, starts its own track.
    const jump = track([[{ label: "car", box: box(0, 0.4) }], [{ label: "car", box: box(0.7, 0.4) }], [{ label: "car", box: box(0.7, 0.4, 0.05, 0.05) }]]);
    expect(new Set(jump.flat()).size).toBe(3);
  });

  it("keep two objects of one label apart as they pass each other, by their speeds", () => {
    const frames = Array.from({ length: 7 }, (_, i) => [
      { label: "person", box: box(0.1 + 0.1 * i, 0.3) },
      { label: "person", box: box(0.7 - 0.1 * i, 0.32) },
    ]);
    const ids = track(frames);
    // Before and after they cross (frame 3), each keeps its own track.
    expect(ids[6]![0]).toBe(ids[0]![0]);
    expect(ids[6]![1]).toBe(ids[0]![1]);
  });

  it("end at a scene cut, even where a box of the label sits in the same place", () => {
    const same = [{ label: "person", box: box(0.4, 0.3) }];
    const ids = track([same, same, same, same], [2]);
    expect(ids.map((frame) => frame[0])).toEqual([trackId("v", 0, 0), trackId("v", 0, 0), trackId("v", 2, 0), trackId("v", 2, 0)]);
  });

  it("continue over frames the detector missed, up to the limit", () => {
    const seen = [{ label: "cup", box: box(0.5, 0.5) }];
    const within = track([seen, [], [], seen]);
    expect(within[3]![0]).toBe(trackId("v", 0, 0));
    const beyond = track([seen, [], [], [], seen]);
    expect(beyond[4]![0]).toBe(trackId("v", 4, 0));
  });

  it("give one detection to one track and one track to one detection", () => {
    const ids = track([[{ label: "person", box: box(0.4, 0.3) }], [{ label: "person", box: box(0.41, 0.3) }, { label: "person", box: box(0.39, 0.3) }]]);
    expect(ids[1]).toHaveLength(2);
    expect(new Set(ids[1]).size).toBe(2);
    expect(ids[1]).toContain(trackId("v", 0, 0));
  });

  it("resume exactly: replaying what was stored gives the ids an uninterrupted run gives", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const labels = ["person", "dog", "car"];
    // Objects drifting about, now and then missed, with a cut every so often.
    const objects = Array.from({ length: 5 }, () => ({ label: labels[Math.floor(random() * 3)]!, x: random() * 0.8, y: random() * 0.7, dx: (random() - 0.5) * 0.1 }));
    const frames: TrackedDetection[][] = [];
    const cuts: number[] = [];
    for (let f = 0; f < 60; f++) {
      if (f > 0 && random() < 0.08) cuts.push(f);
      frames.push(
        objects.flatMap((o) => {
          o.x = Math.min(0.8, Math.max(0, o.x + o.dx + (random() - 0.5) * 0.02));
          return random() < 0.8 ? [{ label: o.label, box: box(o.x, o.y) }] : [];
        }),
      );
    }
    // Tracks and which crops are embedded, as one uninterrupted run decides them.
    const run = (tracker: Tracker, plan: EmbedPlan, from: number) =>
      frames.slice(from).map((detections, i) => {
        const ids = tracker.assign(frame(from + i, cuts.includes(from + i)), detections);
        const embedded = detections.map((d, k) => plan.decide(ids[k]!, { timeSec: from + i, box: d.box, score: 0.5 }));
        plan.keepOnly(tracker.openIds());
        return { ids, embedded };
      });
    const wholeRun = run(new Tracker("v"), new EmbedPlan(4), 0);
    const whole = wholeRun.map((f) => f.ids);
    const window = replayFrames(DEFAULT_TRACK_SETTINGS);
    for (let resumeAt = 1; resumeAt < frames.length; resumeAt++) {
      const resumed = new Tracker("v");
      const from = Math.max(0, resumeAt - window);
      resumed.replay(
        frames.slice(from, resumeAt).map((detections, i) => ({
          ...frame(from + i, cuts.includes(from + i)),
          detections: detections.map((d, k) => ({ ...d, trackId: whole[from + i]![k]! })),
        })),
      );
      // As resumeTracks does: each open track's last embedded detection before the resume point.
      const plan = new EmbedPlan(4);
      const open = resumed.openIds();
      for (let f = 0; f < resumeAt; f++) {
        frames[f]!.forEach((d, k) => {
          if (open.has(whole[f]![k]!) && wholeRun[f]!.embedded[k]) plan.remember(whole[f]![k]!, { timeSec: f, box: d.box, score: 0.5 });
        });
      }
      expect(run(resumed, plan, resumeAt), `resumed at frame ${resumeAt}`).toEqual(wholeRun.slice(resumeAt));
    }
    // Sparse: some crops of long tracks were left out.
    expect(wholeRun.flatMap((f) => f.embedded).filter((e) => !e).length).toBeGreaterThan(0);
    // The run did make long tracks and break them at cuts.
    expect(new Set(whole.flat()).size).toBeLessThan(whole.flat().length / 3);
  });
});
