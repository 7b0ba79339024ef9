/** media/ against the real ffmpeg/ffprobe (the npm static builds here): probe, sampleFrames, encodeJpeg. */
import { readdirSync, readFileSync } from "node:fs";
import sharp from "sharp";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { VisibleError } from "../src/error.js";
import { encodeJpeg, ffmpegPath, ffprobePath, probe, resetBinaryCache, sampleFrames, type MediaInfo, type SampledFrame, type SampleFramesOptions } from "../src/media/index.js";
import {
  COLOUR_SEGMENTS,
  BOUNDARY_SCENES,
  audioOnly,
  boundaryVideo,
  colourVideo,
  emptyFile,
  rawH264,
  rotatedVideo,
  stillImage,
  syntheticVideo,
  textAsMp4,
  truncatedFaststartMp4,
  truncatedMp4,
  unknownCodecMp4,
} from "./support/videos.js";

const LIMITS = { maxBytes: 1024 * 1024 * 1024, maxDurationSec: 3600 };
const FRAME = 1 / 30; // one frame of the 30 fps fixtures

async function collect(file: string, info: MediaInfo, options: SampleFramesOptions): Promise<SampledFrame[]> {
  const frames: SampledFrame[] = [];
  for await (const frame of sampleFrames(file, info, options)) frames.push(frame);
  return frames;
}

function meanRgb(frame: SampledFrame): [number, number, number] {
  const sums = [0, 0, 0];
  const n = frame.width * frame.height;
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) sums[c]! += frame.rgb[i * 3 + c]!;
  return [sums[0]! / n, sums[1]! / n, sums[2]! / n];
}

/** The VisibleError a promise rejects with (fails the test when it resolves or throws something else). */
async function visibleError(promise: Promise<unknown>): Promise<VisibleError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VisibleError);
  return error as VisibleError;
}

/** ffmpeg processes whose parent is this test process (zombies included), from /proc. */
function childFfmpegs(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      if (/^Name:\s+ffmpeg$/m.test(status) && Number(/^PPid:\s+(\d+)$/m.exec(status)?.[1]) === process.pid) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}
const onLinux = process.platform === "linux";

let colour: string;
let colourInfo: MediaInfo;

beforeAll(async () => {
  colour = await colourVideo();
  colourInfo = await probe(colour, LIMITS);
});

describe("binaries", () => {
  const saved = { FFMPEG_PATH: process.env.FFMPEG_PATH, FFPROBE_PATH: process.env.FFPROBE_PATH };
  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    resetBinaryCache();
  });

  it("resolves ffmpeg and ffprobe (PATH or the npm packages)", () => {
    expect(ffmpegPath()).toMatch(/ffmpeg(\.exe)?$/);
    expect(ffprobePath()).toMatch(/ffprobe(\.exe)?$/);
  });

  it("honours FFMPEG_PATH, and names the variable when the file is missing", () => {
    process.env.FFMPEG_PATH = "/nonexistent/ffmpeg";
    resetBinaryCache();
    let error: unknown;
    try {
      ffmpegPath();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VisibleError);
    expect(error).toMatchObject({ code: "media.ffmpeg_missing", permanent: false });
    expect((error as Error).message).toContain("FFMPEG_PATH");
  });

  it("sampleFrames reports a missing ffmpeg as media.ffmpeg_missing (retryable)", async () => {
    process.env.FFMPEG_PATH = "/nonexistent/ffmpeg";
    resetBinaryCache();
    const error = await visibleError(collect(colour, colourInfo, { width: 64 }));
    expect(error).toMatchObject({ code: "media.ffmpeg_missing", permanent: false });
  });
});

describe("probe", () => {
  it("reads the colour video", () => {
    expect(colourInfo).toMatchObject({ width: 320, height: 240, fps: 30, codec: "h264", container: "mp4" });
    expect(colourInfo.durationSec).toBeCloseTo(20, 1);
    expect(colourInfo.sizeBytes).toBeGreaterThan(1000);
  });

  it("applies rotation metadata to the display size", async () => {
    // The ffmpeg that writes the fixture (the npm one in CI) stores the rotation it is given.
    const info = await probe(await rotatedVideo(), LIMITS);
    expect(info).toMatchObject({ width: 240, height: 320 });
  });

  it("estimates the duration of a stream that declares none (raw H.264) by counting packets", async () => {
    const info = await probe(await rawH264(), LIMITS);
    // 600 packets at the frame rate ffprobe reports: ffprobe 2023 builds say 25 fps (ffmpeg's
    // default for raw H.264, which its decode then also uses: 24 s), Debian's 5.1 reads 30 fps
    // from the stream's timing info (20 s)
    expect(info.codec).toBe("h264");
    expect(info.fps).toBeGreaterThan(0);
    expect(info.durationSec).toBeCloseTo(600 / info.fps, 1);
  });

  const bad: Array<[string, () => Promise<string>, string, number, Partial<typeof LIMITS>?]> = [
    ["an empty file", () => emptyFile(), "media.empty", 422],
    ["a file over maxBytes", () => colourVideo(), "media.too_large", 413, { maxBytes: 1000 }],
    ["a text file named .mp4", () => textAsMp4(), "media.not_a_video", 422],
    ["a still image", () => stillImage("red"), "media.not_a_video", 422],
    ["audio only", () => audioOnly(), "media.no_video_stream", 422],
    ["audio with cover art", () => audioOnly({ coverArt: true }), "media.no_video_stream", 422],
    ["an mp4 cut before its moov atom", () => truncatedMp4(), "media.corrupt", 422],
    ["a stream with an unknown codec", () => unknownCodecMp4(), "media.corrupt", 422],
    ["a video over maxDurationSec", () => colourVideo(), "media.too_long", 422, { maxDurationSec: 10 }],
  ];
  for (const [what, make, code, status, limits] of bad) {
    it(`rejects ${what} with ${code}`, async () => {
      const error = await visibleError(probe(await make(), { ...LIMITS, ...limits }));
      expect(error).toMatchObject({ code, status, permanent: true });
      expect(error.message.length).toBeGreaterThan(10);
    });
  }

  it("checks maxBytes before running ffprobe (a huge non-video is too_large, not not_a_video)", async () => {
    const error = await visibleError(probe(await textAsMp4(), { ...LIMITS, maxBytes: 5 }));
    expect(error.code).toBe("media.too_large");
  });
});

describe("sampleFrames on the colour video (red 0-5, green 5-10, blue 10-15, testsrc 15-20)", () => {
  it("without dedup: 20 frames at 0..19 s, scene frames at the cuts", async () => {
    const frames = await collect(colour, colourInfo, { fps: 1, sceneThreshold: 0.25, dedup: false, maxGapSec: 10, width: 160 });
    expect(frames).toHaveLength(20);
    frames.forEach((frame, i) => {
      expect(frame.frameNo).toBe(i);
      expect(Math.abs(frame.timeSec - i)).toBeLessThan(FRAME);
      expect(frame).toMatchObject({ width: 160, height: 120 });
      expect(frame.rgb.length).toBe(160 * 120 * 3);
    });
    // 5, 10 and 15 are interval ticks AND cuts: a cut wins ("scene" frames are never deduplicated)
    expect(frames.map((f) => f.reason)).toEqual([
      "first", "interval", "interval", "interval", "interval",
      "scene", "interval", "interval", "interval", "interval",
      "scene", "interval", "interval", "interval", "interval",
      "scene", "interval", "interval", "interval", "interval",
    ]); // prettier-ignore
  });

  it("frame colours match their segment", async () => {
    const frames = await collect(colour, colourInfo, { fps: 1, sceneThreshold: 0.25, dedup: false, maxGapSec: 10, width: 64 });
    for (const frame of frames) {
      const segment = COLOUR_SEGMENTS.find((s) => frame.timeSec >= s.startSec - FRAME / 2 && frame.timeSec < s.endSec)!;
      const mean = meanRgb(frame);
      if (segment.rgb) {
        mean.forEach((value, c) => expect(Math.abs(value - segment.rgb![c]!), `${segment.name} at ${frame.timeSec}s`).toBeLessThan(12));
      } else {
        // testsrc: colourful, not one of the solid colours
        expect(Math.max(...mean) - Math.min(...mean)).toBeLessThan(60);
      }
    }
  });

  it("with dedup: solid segments collapse to their first frame; testsrc frames are all kept", async () => {
    const frames = await collect(colour, colourInfo, { fps: 1, sceneThreshold: 0.25, dedup: true, maxGapSec: 10, width: 160 });
    // Candidates are 0..19 (as above). 1-4, 6-9 and 11-14 are identical to the frame kept at the
    // start of their segment (0, 5, 10) and less than maxGapSec (10 s) after it: dropped. 5, 10
    // and 15 are scene frames: kept. testsrc (15-19) moves (a scrolling gradient and a counter):
    // each second differs from the previous kept one (colour distance ~11, threshold 6; largest
    // cell difference ~83, threshold 20), so 16-19 are kept.
    expect(frames.map((f) => [f.frameNo, Math.round(f.timeSec * 30) / 30, f.reason])).toEqual([
      [0, 0, "first"],
      [1, 5, "scene"],
      [2, 10, "scene"],
      [3, 15, "scene"],
      [4, 16, "interval"],
      [5, 17, "interval"],
      [6, 18, "interval"],
      [7, 19, "interval"],
    ]);
    // endSec chains: each frame lasts until the next kept one; the last until the duration
    frames.slice(0, -1).forEach((frame, i) => expect(frame.endSec).toBe(frames[i + 1]!.timeSec));
    expect(frames.at(-1)!.endSec).toBe(colourInfo.durationSec);
  });

  it("with dedup and maxGapSec 2: a static segment still gets a frame in every 2 s slot", async () => {
    const frames = await collect(colour, colourInfo, { fps: 1, sceneThreshold: 0.25, dedup: true, maxGapSec: 2, width: 64 });
    expect(frames.map((f) => [Math.round(f.timeSec), f.reason])).toEqual([
      [0, "first"], [2, "interval"], [4, "interval"],
      [5, "scene"], [6, "interval"], [8, "interval"],
      [10, "scene"], [12, "interval"], [14, "interval"],
      [15, "scene"], [16, "interval"], [17, "interval"], [18, "interval"], [19, "interval"],
    ]); // prettier-ignore
  });

  it("catches the cuts at 5, 10 and 15 s exactly, even between interval samples (fps 0.25)", async () => {
    const frames = await collect(colour, colourInfo, { fps: 0.25, sceneThreshold: 0.25, dedup: false, maxGapSec: 10, width: 64 });
    // interval samples open each 4 s slot of the timeline: 0, 4; cut 5; 8; cut 10; 12; cut 15; 16
    expect(frames.map((f) => [Math.round(f.timeSec * 30) / 30, f.reason])).toEqual([
      [0, "first"], [4, "interval"], [5, "scene"], [8, "interval"],
      [10, "scene"], [12, "interval"], [15, "scene"], [16, "interval"],
    ]); // prettier-ignore
    for (const cut of [5, 10, 15]) {
      const frame = frames.find((f) => f.reason === "scene" && Math.abs(f.timeSec - cut) < FRAME)!;
      expect(frame, `cut at ${cut}`).toBeDefined();
      expect(frame.timeSec).toBeCloseTo(cut, 3);
    }
    frames.slice(0, -1).forEach((frame, i) => expect(frame.endSec).toBe(frames[i + 1]!.timeSec));
    expect(frames.at(-1)!.endSec).toBe(colourInfo.durationSec);
  });

  it("with scene detection off, cuts are only seen at interval ticks", async () => {
    const frames = await collect(colour, colourInfo, { fps: 0.25, sceneThreshold: 0, dedup: false, maxGapSec: 10, width: 64 });
    expect(frames.map((f) => [Math.round(f.timeSec), f.reason])).toEqual([
      [0, "first"], [4, "interval"], [8, "interval"], [12, "interval"], [16, "interval"],
    ]); // prettier-ignore
  });

  it("applies the defaults (fps 1, scene 0.25, dedup, maxGap 10) when options are omitted", async () => {
    const frames = await collect(colour, colourInfo, { width: 64 });
    expect(frames.map((f) => Math.round(f.timeSec))).toEqual([0, 5, 10, 15, 16, 17, 18, 19]);
  });

  it("decodes rotated videos upright at the display aspect", async () => {
    const file = await rotatedVideo();
    const info = await probe(file, LIMITS);
    if (info.width === 320) return; // rotation not written by this ffmpeg build (see the probe test)
    const frames = await collect(file, info, { fps: 1, dedup: false, width: 120 });
    expect(frames).toHaveLength(20);
    expect(frames[0]).toMatchObject({ width: 120, height: 160 });
  });
});

describe("sampleFrames over ranges (segments) of a video with cuts and flashes at the boundaries", () => {
  const strip = (f: SampledFrame) => ({ timeSec: f.timeSec, endSec: f.endSec, reason: f.reason, mean: meanRgb(f).map(Math.round) });

  it.each([
    ["the defaults (fps 1, scene 0.25, dedup, maxGap 10)", {}],
    ["fps 2 without dedup", { fps: 2, dedup: false }],
    ["fps 0.5, scene detection off", { fps: 0.5, sceneThreshold: 0, maxGapSec: 10 }],
  ] as const)("keeps the frames one pass keeps, with %s", async (_name, sampling) => {
    const file = await boundaryVideo();
    const info = await probe(file, LIMITS);
    expect(info.durationSec).toBeCloseTo(90, 1);
    const options = { width: 64, ...sampling };
    const whole = await collect(file, info, options);
    const bounds = [0, 30, 60, 90];
    const parts = [];
    for (let i = 0; i < 3; i++) {
      const range = { startSec: bounds[i]!, endSec: i === 2 ? Infinity : bounds[i + 1]!, leadInSec: Math.max(0, bounds[i]! - 10), firstFrameNo: i * 1000 };
      parts.push(await collect(file, info, { ...options, range }));
    }
    expect(parts.flat().map(strip)).toEqual(whole.map(strip));
    parts.forEach((frames, i) => expect(frames.map((f) => f.frameNo)).toEqual(frames.map((_, k) => i * 1000 + k)));
    // The cut at 30 s and the flash across 60 s are where one pass has them.
    const times = whole.map((f) => f.timeSec);
    if (!("sceneThreshold" in sampling)) {
      expect(times).toContain(30);
      expect(times.some((t) => t >= BOUNDARY_SCENES[5]!.startSec - 1e-3 && t < 60)).toBe(true);
    }
  }, 120_000);
});

describe("sampleFrames process lifecycle", () => {
  let long: string;
  let longInfo: MediaInfo;
  beforeAll(async () => {
    long = await syntheticVideo({ seconds: 30, width: 320, height: 240, fps: 30 });
    longInfo = await probe(long, LIMITS);
  });

  it.runIf(onLinux)("break kills ffmpeg before the loop ends", async () => {
    let seen = 0;
    let during: number[] = [];
    for await (const frame of sampleFrames(long, longInfo, { fps: 30, dedup: false, width: 320 })) {
      seen++;
      if (frame.frameNo === 2) {
        during = childFfmpegs();
        break;
      }
    }
    expect(seen).toBe(3);
    expect(during).toHaveLength(1); // it was running (30 s at 30 fps: far from done)
    expect(childFfmpegs()).toEqual([]); // and is gone (reaped: not even a zombie)
  });

  it.runIf(onLinux)("a slow consumer pauses ffmpeg (backpressure) without buffering the video", async () => {
    const iterator = sampleFrames(long, longInfo, { fps: 30, dedup: false, width: 320 })[Symbol.asyncIterator]();
    const rssBefore = process.memoryUsage().rss;
    await iterator.next();
    await new Promise((r) => setTimeout(r, 800)); // ffmpeg decodes this clip in well under 800 ms
    expect(childFfmpegs()).toHaveLength(1); // still alive: blocked on the full pipe
    // 900 frames of 320x240 rgb would be ~200 MB if read ahead
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(60 * 1024 * 1024);
    await iterator.return?.();
    expect(childFfmpegs()).toEqual([]);
  });

  it.runIf(onLinux)("an exception in the consumer kills ffmpeg", async () => {
    const run = async () => {
      for await (const frame of sampleFrames(long, longInfo, { fps: 30, dedup: false, width: 64 })) {
        if (frame.frameNo === 1) throw new Error("consumer failed");
      }
    };
    await expect(run()).rejects.toThrow("consumer failed");
    expect(childFfmpegs()).toEqual([]);
  });

  it("abort via signal rejects with the abort reason and kills ffmpeg", async () => {
    const controller = new AbortController();
    let seen = 0;
    const run = async () => {
      for await (const frame of sampleFrames(long, longInfo, { fps: 30, dedup: false, width: 64, signal: controller.signal })) {
        seen++;
        if (frame.frameNo === 3) setTimeout(() => controller.abort(), 0); // abort while the loop runs on
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await expect(run()).rejects.toMatchObject({ name: "AbortError" });
    expect(seen).toBeLessThan(30);
    if (onLinux) expect(childFfmpegs()).toEqual([]);
  });

  it("an already aborted signal rejects before starting ffmpeg", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(collect(long, longInfo, { width: 64, signal: controller.signal })).rejects.toMatchObject({ name: "AbortError" });
    if (onLinux) expect(childFfmpegs()).toEqual([]);
  });
});

describe("sampleFrames on damaged files", () => {
  it("a truncated mp4 whose header survived probes fine, then fails decoding with media.corrupt", async () => {
    // moov atom first (faststart), second half of the data missing: ffprobe only reads the
    // header, so probe succeeds; ffmpeg decodes ~5 s, logs read errors and exits 0.
    const file = await truncatedFaststartMp4();
    const info = await probe(file, LIMITS);
    expect(info.durationSec).toBeCloseTo(10, 0);
    const frames: SampledFrame[] = [];
    const error = await visibleError(
      (async () => {
        for await (const frame of sampleFrames(file, info, { dedup: false, width: 64 })) frames.push(frame);
      })(),
    );
    expect(error).toMatchObject({ code: "media.corrupt", permanent: true });
    expect(error.message).toMatch(/truncated|damaged/);
    expect(frames.length).toBeGreaterThan(0); // the readable part was yielded first
    if (onLinux) expect(childFfmpegs()).toEqual([]);
  });

  it("a non-zero ffmpeg exit becomes media.corrupt with ffmpeg's last error lines", async () => {
    // probe rejects this file, so hand sampleFrames the info of the intact video
    const error = await visibleError(collect(await unknownCodecMp4(), colourInfo, { width: 64 }));
    expect(error).toMatchObject({ code: "media.corrupt", permanent: true });
    expect(error.message).toMatch(/exit code/);
    expect(error.message).toMatch(/Decoder|codec/i);
    expect(error.message.length).toBeLessThan(600);
  });
});

describe("encodeJpeg", () => {
  it("encodes a frame as a JPEG of the requested width (default 320)", async () => {
    const [frame] = await collect(colour, colourInfo, { fps: 1, dedup: false, width: 640 });
    const small = await encodeJpeg(frame!, { width: 100 });
    expect(small.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(await sharp(small).metadata()).toMatchObject({ format: "jpeg", width: 100, height: 75 });
    const standard = await sharp(await encodeJpeg(frame!)).metadata();
    expect(standard).toMatchObject({ format: "jpeg", width: 320, height: 240 });
    const { data } = await sharp(small).resize(1, 1).raw().toBuffer({ resolveWithObject: true });
    expect(data[0]).toBeGreaterThan(200); // still red
    expect(data[1]).toBeLessThan(40);
  });

  it("rejects a buffer that does not match the frame size", async () => {
    await expect(encodeJpeg({ rgb: Buffer.alloc(10), width: 4, height: 4 })).rejects.toThrow(RangeError);
  });
});
