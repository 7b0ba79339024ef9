/** Unit tests of the pure parts of media/: sampling decisions, dedup signatures, parsing helpers. */
import { mkdtempSync, rmSync, writeFileSync, chmodSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseFfmpegVersion, searchPath } from "../src/media/binaries.js";
import { cellDistance, colourDistance, frameSignature, hammingDistance, isNearDuplicate } from "../src/media/dedup.js";
import { parseRational } from "../src/media/ffprobe-json.js";
import { formatBytes, formatDuration } from "../src/media/policy.js";
import { escapeFilterValue, outputSize, sampleArgs } from "../src/media/sample-args.js";
import { detectContainer } from "../src/media/signatures.js";
import {
  DEFAULT_SAMPLING,
  candidateReason,
  createSampler,
  isCandidate,
  keepCandidate,
  resolveSampling,
  selectExpression,
  type Candidate,
  type SamplingOptions,
} from "../src/media/sampling.js";

// ---------------------------------------------------------------------------------------------
// synthetic frames

type Rgb = [number, number, number];

function solid(width: number, height: number, [r, g, b]: Rgb): Buffer {
  const buf = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    buf[i * 3] = r;
    buf[i * 3 + 1] = g;
    buf[i * 3 + 2] = b;
  }
  return buf;
}

/** Left half one colour, right half another (a vertical edge). */
function split(width: number, height: number, left: Rgb, right: Rgb): Buffer {
  const buf = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = x < width / 2 ? left : right;
      const o = (y * width + x) * 3;
      buf[o] = r;
      buf[o + 1] = g;
      buf[o + 2] = b;
    }
  }
  return buf;
}

/** Deterministic +-amplitude noise on top of a frame (encoder-noise stand-in). */
function noisy(frame: Buffer, amplitude: number, seed = 1): Buffer {
  let state = seed;
  const out = Buffer.from(frame);
  for (let i = 0; i < out.length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    const delta = (state % (2 * amplitude + 1)) - amplitude;
    out[i] = Math.max(0, Math.min(255, out[i]! + delta));
  }
  return out;
}

const W = 64;
const H = 36;
const sig = (frame: Buffer) => frameSignature(frame, W, H);
const RED: Rgb = [255, 0, 0];
const GREEN: Rgb = [0, 255, 0];
const BLUE: Rgb = [0, 0, 255];
const WHITE: Rgb = [255, 255, 255];

// ---------------------------------------------------------------------------------------------

describe("dedup signatures", () => {
  it("identical frames are near-duplicates", () => {
    const frame = split(W, H, RED, BLUE);
    expect(isNearDuplicate(sig(frame), sig(Buffer.from(frame)))).toBe(true);
    expect(hammingDistance(sig(frame).dhash, sig(frame).dhash)).toBe(0);
  });

  it("frames differing only by small noise are near-duplicates", () => {
    const frame = split(W, H, [200, 120, 40], [30, 60, 90]);
    expect(isNearDuplicate(sig(frame), sig(noisy(frame, 6)))).toBe(true);
    const grey = solid(W, H, [40, 40, 40]);
    expect(isNearDuplicate(sig(grey), sig(noisy(grey, 6, 7)))).toBe(true);
  });

  it("solid colours share one difference hash but are NOT duplicates (colour thumbnail differs)", () => {
    const red = sig(solid(W, H, RED));
    const green = sig(solid(W, H, GREEN));
    expect(hammingDistance(red.dhash, green.dhash)).toBe(0); // dHash alone would call them equal
    expect(colourDistance(red.thumb, green.thumb)).toBeGreaterThan(100);
    expect(isNearDuplicate(red, green)).toBe(false);
  });

  it("same colours in a different layout are not duplicates (hash differs)", () => {
    const a = sig(split(W, H, [250, 250, 250], [10, 10, 10]));
    const b = sig(split(W, H, [10, 10, 10], [250, 250, 250]));
    expect(hammingDistance(a.dhash, b.dhash)).toBeGreaterThan(6);
    expect(isNearDuplicate(a, b)).toBe(false);
  });

  it("a small object appearing in a still scene is not a duplicate (one thumbnail cell changes)", () => {
    const scene = split(W, H, [90, 110, 70], [60, 80, 120]);
    const withObject = Buffer.from(scene);
    // a bright 6x5 px object (~1% of the frame) inside one 8x4.5 px thumbnail cell
    for (let y = 10; y < 15; y++) for (let x = 17; x < 23; x++) withObject.set([250, 240, 230], (y * W + x) * 3);
    const a = sig(scene);
    const b = sig(withObject);
    expect(colourDistance(a.thumb, b.thumb)).toBeLessThan(6); // the frame's mean barely moves
    expect(cellDistance(a.thumb, b.thumb)).toBeGreaterThan(20);
    expect(isNearDuplicate(a, b)).toBe(false);
  });

  it("hammingDistance counts differing bits of 64-bit hashes", () => {
    expect(hammingDistance(0n, 0n)).toBe(0);
    expect(hammingDistance(0n, 0xffff_ffff_ffff_ffffn)).toBe(64);
    expect(hammingDistance(0b1011n, 0b0001n)).toBe(2);
  });

  it("rejects a buffer that is not a frame of the given size", () => {
    expect(() => frameSignature(Buffer.alloc(10), W, H)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------

const opts = (o: Partial<SamplingOptions> = {}): SamplingOptions => ({ ...DEFAULT_SAMPLING, ...o });

describe("candidate selection (mirror of ffmpeg's select expression)", () => {
  it("builds the select expression from fps, scene threshold and where the stream starts", () => {
    expect(selectExpression({ fps: 1, sceneThreshold: 0.25 })).toBe(
      "isnan(prev_selected_t)+gt(floor((t+0.000001)*1),floor((prev_selected_t+0.000001)*1))+gt(scene,0.25)",
    );
    expect(selectExpression({ fps: 0.25, sceneThreshold: 0.3 })).toBe(
      "isnan(prev_selected_t)+gt(floor((t+0.000001)*0.25),floor((prev_selected_t+0.000001)*0.25))+gt(scene,0.3)",
    );
    // threshold 0: scene never selects, but the score is still computed (see selectExpression)
    expect(selectExpression({ fps: 2, sceneThreshold: 0 })).toBe("isnan(prev_selected_t)+gt(floor((t+0.000001)*2),floor((prev_selected_t+0.000001)*2))+0*scene");
    // after a seek to 110 s, ffmpeg's times start at 0: the slots stay those of the file
    expect(selectExpression({ fps: 1, sceneThreshold: 0 }, 110)).toBe(
      "isnan(prev_selected_t)+gt(floor((t+110.000001)*1),floor((prev_selected_t+110.000001)*1))+0*scene",
    );
  });

  it("selects the first frame, interval frames and scene frames", () => {
    const o = opts({ fps: 1, sceneThreshold: 0.25 });
    expect(isCandidate(0, undefined, 0, o)).toBe(true);
    expect(isCandidate(0.5, 0, 0.1, o)).toBe(false);
    expect(isCandidate(1, 0, 0, o)).toBe(true);
    expect(isCandidate(0.5, 0, 0.9, o)).toBe(true);
    expect(isCandidate(0.5, 0, 0.9, opts({ sceneThreshold: 0 }))).toBe(false);
    // slots are fixed on the timeline: after a cut at 3.4 s the next interval sample is the
    // first frame of second 4, not one at 4.4 s
    expect(isCandidate(4, 3.4, 0, o)).toBe(true);
    expect(isCandidate(3.9, 3.4, 0, o)).toBe(false);
  });

  it("classifies candidates: first, interval, scene (a cut on an interval tick is a scene)", () => {
    const o = opts({ fps: 1, sceneThreshold: 0.25 });
    expect(candidateReason({ index: 0, timeSec: 0, prevSelectedSec: undefined, sceneScore: 0 }, o)).toBe("first");
    expect(candidateReason({ index: 1, timeSec: 1, prevSelectedSec: 0, sceneScore: 0.01 }, o)).toBe("interval");
    expect(candidateReason({ index: 2, timeSec: 1.4, prevSelectedSec: 1, sceneScore: 0.8 }, o)).toBe("scene");
    expect(candidateReason({ index: 2, timeSec: 2, prevSelectedSec: 1, sceneScore: 1 }, o)).toBe("scene");
    // ffmpeg prints the score with 6 decimals: 0.2500004 shows as 0.250000 (not > 0.25), but a
    // candidate in the same second as the previous one cannot be an interval sample
    expect(candidateReason({ index: 2, timeSec: 1.4, prevSelectedSec: 1, sceneScore: 0.25 }, o)).toBe("scene");
    expect(candidateReason({ index: 2, timeSec: 1.4, prevSelectedSec: 1, sceneScore: 0.9 }, opts({ sceneThreshold: 0 }))).toBe("interval");
    expect(candidateReason({ index: 3, timeSec: 2, prevSelectedSec: 1.4, sceneScore: 0 }, o)).toBe("interval");
  });
});

describe("keeping candidates", () => {
  const red = sig(solid(W, H, RED));
  const green = sig(solid(W, H, GREEN));
  const o = opts({ dedup: true, maxGapSec: 10 });

  it("always keeps first and scene frames, even when identical", () => {
    expect(keepCandidate({ reason: "first", timeSec: 0, signature: red }, undefined, o)).toBe(true);
    expect(keepCandidate({ reason: "scene", timeSec: 3, signature: red }, { timeSec: 2, signature: red }, o)).toBe(true);
  });

  it("drops an interval frame that duplicates the last kept frame", () => {
    expect(keepCandidate({ reason: "interval", timeSec: 3, signature: red }, { timeSec: 2, signature: red }, o)).toBe(false);
  });

  it("keeps an interval frame whose colours differ", () => {
    expect(keepCandidate({ reason: "interval", timeSec: 3, signature: green }, { timeSec: 2, signature: red }, o)).toBe(true);
  });

  it("keeps a duplicate that opens a new maxGapSec slot of the timeline", () => {
    expect(keepCandidate({ reason: "interval", timeSec: 9.9, signature: red }, { timeSec: 0, signature: red }, o)).toBe(false);
    expect(keepCandidate({ reason: "interval", timeSec: 10, signature: red }, { timeSec: 0, signature: red }, o)).toBe(true);
    // the slots are fixed: 20 s opens a slot although the last kept frame is only 6 s old
    expect(keepCandidate({ reason: "interval", timeSec: 19, signature: red }, { timeSec: 14, signature: red }, o)).toBe(false);
    expect(keepCandidate({ reason: "interval", timeSec: 20, signature: red }, { timeSec: 14, signature: red }, o)).toBe(true);
  });

  it("keeps everything when dedup is off", () => {
    expect(keepCandidate({ reason: "interval", timeSec: 3, signature: red }, { timeSec: 2, signature: red }, opts({ dedup: false }))).toBe(true);
  });
});

describe("createSampler", () => {
  /** Candidates 1 s apart: a colour per second, with scene scores where the colour changes. */
  function run(colours: Rgb[], options: Partial<SamplingOptions>, scenes: number[] = []) {
    const sampler = createSampler<number>(options, colours.length);
    const out = [];
    colours.forEach((colour, t) => {
      const candidate: Candidate<number> = {
        timeSec: t,
        sceneScore: scenes.includes(t) ? 1 : 0,
        signature: sig(solid(W, H, colour)),
        payload: t,
      };
      out.push(...sampler.push(candidate));
    });
    out.push(...sampler.finish());
    return out;
  }
  const video: Rgb[] = [RED, RED, RED, RED, RED, GREEN, GREEN, GREEN, GREEN, GREEN];

  it("dedup off: every candidate is kept, numbered, and endSec chains to the next frame", () => {
    const frames = run(video, { fps: 1, dedup: false }, [5]);
    expect(frames.map((f) => f.timeSec)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(frames.map((f) => f.frameNo)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(frames.map((f) => f.reason)).toEqual(["first", "interval", "interval", "interval", "interval", "scene", "interval", "interval", "interval", "interval"]);
    frames.slice(0, -1).forEach((f, i) => expect(f.endSec).toBe(frames[i + 1]!.timeSec));
    expect(frames.at(-1)!.endSec).toBe(10);
  });

  it("dedup on: identical seconds collapse into the first and scene frames", () => {
    const frames = run(video, { fps: 1, dedup: true, maxGapSec: 10 }, [5]);
    expect(frames.map((f) => [f.frameNo, f.timeSec, f.endSec, f.reason])).toEqual([
      [0, 0, 5, "first"],
      [1, 5, 10, "scene"],
    ]);
  });

  it("dedup on: a colour change without a scene score is still kept (colour differs)", () => {
    const frames = run(video, { fps: 1, dedup: true }, []);
    expect(frames.map((f) => [f.timeSec, f.reason])).toEqual([
      [0, "first"],
      [5, "interval"],
    ]);
  });

  it("dedup on: maxGapSec forces a frame into every slot of a long static stretch", () => {
    const frames = run(video, { fps: 1, dedup: true, maxGapSec: 2 }, [5]);
    expect(frames.map((f) => [f.timeSec, f.reason])).toEqual([
      [0, "first"],
      [2, "interval"],
      [4, "interval"],
      [5, "scene"],
      [6, "interval"],
      [8, "interval"],
    ]);
  });

  describe("a range of the timeline, decoded from a lead-in", () => {
    /** 60 s, one candidate a second: static stretches, cuts at 17, 20 and 41, a flash at 29-30. */
    const timeline: Rgb[] = Array.from({ length: 60 }, (_, t) => (t < 17 ? RED : t < 20 ? GREEN : t === 29 ? WHITE : t < 41 ? BLUE : RED));
    const cuts = [17, 20, 29, 30, 41];
    const candidate = (t: number): Candidate<number> => ({
      timeSec: t,
      sceneScore: cuts.includes(t) ? 1 : 0,
      signature: sig(solid(W, H, timeline[t]!)),
      payload: t,
    });
    const options = { fps: 1, dedup: true, maxGapSec: 10 };
    const whole = () => {
      const sampler = createSampler<number>(options, 60);
      return [...timeline.flatMap((_, t) => sampler.push(candidate(t))), ...sampler.finish()];
    };
    /** What a segment [start, end) decodes: from start - maxGapSec, until the sampler is done. */
    const segment = (start: number, end: number, firstFrameNo: number) => {
      const sampler = createSampler<number>(options, 60, undefined, { startSec: start, endSec: end, firstFrameNo });
      const out = [];
      for (let t = Math.max(0, start - 10); t < 60 && !sampler.done; t++) out.push(...sampler.push(candidate(t)));
      return { frames: [...out, ...sampler.finish()], stoppedAt: sampler.done ? sampler.lastCandidateSec : undefined };
    };

    it("keeps exactly the frames a pass over the whole timeline keeps, with the same ends", () => {
      const all = whole();
      const parts = [segment(0, 20, 0), segment(20, 40, 100), segment(40, 60, 200)];
      const strip = (f: { timeSec: number; endSec: number; reason: string }) => [f.timeSec, f.endSec, f.reason];
      expect(parts.flatMap((p) => p.frames.map(strip))).toEqual(all.map(strip));
      // numbered from each range's first number; a range stops at the first kept frame past its end
      expect(parts.map((p) => p.frames.map((f) => f.frameNo))).toEqual([
        [0, 1, 2],
        [100, 101, 102],
        [200, 201, 202],
      ]);
      expect(parts.map((p) => p.stoppedAt)).toEqual([20, 40, undefined]);
    });

    it("gives nothing for the lead-in alone, and its frames only set the state", () => {
      const sampler = createSampler<number>(options, 60, undefined, { startSec: 20, endSec: 40, firstFrameNo: 0 });
      for (let t = 10; t < 20; t++) expect(sampler.push(candidate(t))).toEqual([]);
      expect(sampler.done).toBe(false);
    });
  });

  it("finishes with nothing when there were no candidates", () => {
    expect(createSampler({}, 10).finish()).toEqual([]);
  });

  it("validates options", () => {
    expect(() => resolveSampling({ fps: 0 })).toThrow(RangeError);
    expect(() => resolveSampling({ sceneThreshold: 2 })).toThrow(RangeError);
    expect(() => resolveSampling({ maxGapSec: -1 })).toThrow(RangeError);
    expect(resolveSampling()).toEqual({ fps: 1, sceneThreshold: 0.25, dedup: true, maxGapSec: 10 });
  });
});

// ---------------------------------------------------------------------------------------------

describe("helpers", () => {
  it("outputSize keeps the aspect ratio with an even height", () => {
    expect(outputSize({ width: 1280, height: 720 }, 640)).toEqual({ width: 640, height: 360 });
    expect(outputSize({ width: 320, height: 240 }, 100)).toEqual({ width: 100, height: 76 }); // 75 -> even
    expect(outputSize({ width: 1080, height: 1920 }, 224)).toEqual({ width: 224, height: 398 });
    expect(() => outputSize({ width: 320, height: 240 }, 0)).toThrow(RangeError);
  });

  it("escapes filter option values for both filtergraph levels", () => {
    expect(escapeFilterValue("gte(t,1)+gt(scene,0.25)")).toBe("gte(t\\,1)+gt(scene\\,0.25)");
    // option level: a\:b ; graph level escapes that backslash: a\\:b
    expect(escapeFilterValue("a:b")).toBe("a\\\\:b");
  });

  it("builds the ffmpeg command with -vsync for 4.x and -fps_mode for 5.1+", () => {
    const size = { width: 640, height: 360 };
    const sampling = { fps: 1, sceneThreshold: 0.25 };
    const old = sampleArgs("/v/a.mp4", size, sampling, { fpsMode: false });
    expect(old).toContain("-vsync");
    expect(old.slice(old.indexOf("-vf"), old.indexOf("-vf") + 2)).toEqual([
      "-vf",
      "scale=640:360:flags=area,format=rgb24,select=expr=isnan(prev_selected_t)+gt(floor((t+0.000001)*1)\\,floor((prev_selected_t+0.000001)*1))+gt(scene\\,0.25),settb=AVTB,metadata=mode=add:key=vos_sel:value=1,metadata=mode=print",
    ]);
    expect(old).toContain("file:/v/a.mp4");
    const modern = sampleArgs("/v/a.mp4", size, sampling, { fpsMode: true });
    expect(modern).toContain("-fps_mode");
    expect(modern).not.toContain("-vsync");
    // a range: the seek comes before the input (fast, keyframe-aware), and the slots stay the file's
    const seeking = sampleArgs("/v/a.mp4", size, sampling, { fpsMode: true }, 110.5);
    expect(seeking.slice(seeking.indexOf("-ss"), seeking.indexOf("-ss") + 3)).toEqual(["-ss", "110.5", "-i"]);
    expect(seeking.find((arg) => arg.startsWith("scale="))).toContain("floor((t+110.500001)*1)");
    expect(old).not.toContain("-ss");
  });

  it("parses ffmpeg versions through libavutil", () => {
    expect(parseFfmpegVersion("ffmpeg version N-47683-g0e8eb07980-static\nlibavutil      56. 24.101 / 56. 24.101\n").fpsMode).toBe(false);
    expect(parseFfmpegVersion("ffmpeg version 5.1.6-0+deb12u1\nlibavutil      57. 28.100 / 57. 28.100\n").fpsMode).toBe(true);
    expect(parseFfmpegVersion("ffmpeg version 7.1\nlibavutil      59. 39.100 / 59. 39.100\n")).toMatchObject({ libavutil: [59, 39], fpsMode: true });
  });

  it("searchPath finds an executable in PATH directories, skipping non-executables", () => {
    const dir = mkdtempSync(join(tmpdir(), "vos-path-"));
    try {
      const a = join(dir, "a");
      const b = join(dir, "b");
      mkdirSync(a);
      mkdirSync(b);
      writeFileSync(join(a, "fakeff"), "#!/bin/sh\n");
      chmodSync(join(a, "fakeff"), 0o644); // not executable
      writeFileSync(join(b, "fakeff"), "#!/bin/sh\n");
      chmodSync(join(b, "fakeff"), 0o755);
      const path = [a, "relative/dir", b].join(process.platform === "win32" ? ";" : ":");
      if (process.platform !== "win32") expect(searchPath("fakeff", path)).toBe(join(b, "fakeff"));
      expect(searchPath("no-such-tool", path)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("detects container signatures", () => {
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from("ftypisom")]);
    expect(detectContainer(mp4)).toMatch(/MP4/);
    expect(detectContainer(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0, 0, 0, 0]))).toMatch(/Matroska/);
    expect(detectContainer(Buffer.from("RIFF\0\0\0\0AVI LIST"))).toMatch(/AVI/);
    expect(detectContainer(Buffer.from("This is not a video.\n"))).toBeUndefined();
    expect(detectContainer(Buffer.alloc(0))).toBeUndefined();
  });

  it("parses rationals and formats sizes and durations for messages", () => {
    expect(parseRational("30000/1001")).toBeCloseTo(29.97, 2);
    expect(parseRational("0/0")).toBeUndefined();
    expect(parseRational("N/A")).toBeUndefined();
    expect(formatBytes(5 * 1024 * 1024 * 1024)).toBe("5.0 GB");
    expect(formatDuration(3 * 3600 + 5 * 60)).toBe("3 h 05 min");
    expect(formatDuration(65)).toBe("1 min 05 s");
  });
});
