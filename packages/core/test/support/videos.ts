/**
 * Test media, generated with the resolved ffmpeg (`ffmpegPath()`: FFMPEG_PATH, PATH, or the npm
 * static build). Shared by unit and end-to-end tests: keep this API stable.
 *
 * Every function returns the absolute path of the file. Pass `{ dir }` to write into a folder of
 * your own (e.g. a temp dir); without it, files are cached by name under
 * `<repo root>/.cache/test-videos/` and reused across runs (the name includes the parameters and
 * a version, so changing a generator never reuses a stale file); derived files (truncated...)
 * put their source video in the same folder. Generation is atomic (a temp
 * name, then rename), so parallel vitest workers may ask for the same file safely.
 *
 *   colourVideo()            20 s, 30 fps, 320x240 H.264 yuv420p mp4, moov at the end:
 *                            red 0-5 s, green 5-10 s, blue 10-15 s, ffmpeg `testsrc` 15-20 s
 *                            (pure 0xff0000/0x00ff00/0x0000ff; segments in COLOUR_SEGMENTS)
 *   stillImage("red")        PNG of one solid colour (any ffmpeg colour name or 0xRRGGBB)
 *   audioOnly()              m4a (AAC sine), no video; `{ coverArt: true }` adds an attached
 *                            picture (a "video" stream that is cover art)
 *   truncatedMp4()           colourVideo cut in half: moov atom lost, ffprobe cannot open it
 *   truncatedFaststartMp4()  10 s faststart testsrc2 mp4 (moov first) cut in half: probes
 *                            fine (duration 10 s), decoding fails near 5 s
 *   rotatedVideo()           colourVideo with 90 degree rotation metadata (displayed 240x320)
 *   rawH264()                colourVideo as a raw .h264 elementary stream (no duration)
 *   unknownCodecMp4()        colourVideo with its sample entry renamed: no decoder for the stream
 *   textAsMp4()              a text file named .mp4
 *   emptyFile()              zero bytes, named .mp4
 *   syntheticVideo({...})    testsrc2 of any length/size/rate (H.264), for larger tests;
 *                            `faststart: true` puts the moov atom first
 *   boundaryVideo()          90 s, 30 fps, 320x240, cuts and flashes at and next to 30 s and
 *                            60 s (segment boundaries; scenes in BOUNDARY_SCENES)
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ffmpegPath } from "../../src/media/binaries.js";
import { runTool } from "../../src/media/process.js";

/** The repository root (this file is packages/core/test/support/videos.ts). */
export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
/** Where generated media is cached when no folder is given. */
export const TEST_VIDEO_CACHE = join(REPO_ROOT, ".cache", "test-videos");

/** Bump when a generator changes, so cached files from older code are not reused. */
const VERSION = "v1";

export interface OutputOptions {
  /** Folder to write into; default: the shared cache (TEST_VIDEO_CACHE). */
  dir?: string;
}

export interface ColourSegment {
  name: "red" | "green" | "blue" | "testsrc";
  startSec: number;
  endSec: number;
  /** Expected rgb of a solid segment (undefined for the testsrc pattern). */
  rgb?: [number, number, number];
}

/** colourVideo's segments, in order. */
export const COLOUR_SEGMENTS: readonly ColourSegment[] = [
  { name: "red", startSec: 0, endSec: 5, rgb: [255, 0, 0] },
  { name: "green", startSec: 5, endSec: 10, rgb: [0, 255, 0] },
  { name: "blue", startSec: 10, endSec: 15, rgb: [0, 0, 255] },
  { name: "testsrc", startSec: 15, endSec: 20 },
];

export interface VideoSize {
  width?: number;
  height?: number;
  fps?: number;
}

/** The 20 s four-segment colour video (see the module comment). */
export function colourVideo(options: VideoSize & OutputOptions & { faststart?: boolean } = {}): Promise<string> {
  const width = options.width ?? 320;
  const height = options.height ?? 240;
  const fps = options.fps ?? 30;
  const size = `${width}x${height}`;
  const name = `colour-${VERSION}-${size}-${fps}fps${options.faststart ? "-faststart" : ""}.mp4`;
  return generate(name, options.dir, async (out) => {
    const seg = (source: string, label: string) => `${source}${source.includes("=") ? ":" : "="}s=${size}:r=${fps}:d=5,format=yuv420p,setsar=1[${label}]`;
    const graph = [
      seg("color=c=0xff0000", "a"),
      seg("color=c=0x00ff00", "b"),
      seg("color=c=0x0000ff", "c"),
      seg("testsrc", "d"),
      "[a][b][c][d]concat=n=4:v=1:a=0,format=yuv420p[v]",
    ].join(";");
    await ffmpeg(["-filter_complex", graph, "-map", "[v]", ...h264(), ...(options.faststart ? ["-movflags", "+faststart"] : []), "-f", "mp4", out]);
  });
}

/** A PNG of one solid colour. */
export function stillImage(colour: string, options: { width?: number; height?: number } & OutputOptions = {}): Promise<string> {
  const width = options.width ?? 320;
  const height = options.height ?? 240;
  const safe = colour.replace(/[^a-z0-9]/gi, "").toLowerCase() || "colour";
  return generate(`still-${VERSION}-${safe}-${width}x${height}.png`, options.dir, (out) =>
    ffmpeg(["-f", "lavfi", "-i", `color=c=${colour}:s=${width}x${height}:d=1`, "-frames:v", "1", "-f", "image2", "-c:v", "png", out]),
  );
}

/** An m4a with only an AAC sine tone; with `coverArt` also a PNG attached picture. */
export function audioOnly(options: { seconds?: number; coverArt?: boolean } & OutputOptions = {}): Promise<string> {
  const seconds = options.seconds ?? 3;
  const name = `audio-${VERSION}-${seconds}s${options.coverArt ? "-cover" : ""}.m4a`;
  return generate(name, options.dir, async (out) => {
    const sine = ["-f", "lavfi", "-i", `sine=f=440:d=${seconds}`];
    if (!options.coverArt) return ffmpeg([...sine, "-c:a", "aac", "-f", "ipod", out]);
    const cover = ["-f", "lavfi", "-i", "color=c=0xff8800:s=64x64:d=1"];
    return ffmpeg([...sine, ...cover, "-map", "0:a", "-map", "1:v", "-frames:v", "1", "-c:a", "aac", "-c:v", "png", "-disposition:v:0", "attached_pic", "-f", "ipod", out]);
  });
}

/** colourVideo (moov atom at the end, ffmpeg's default) cut in half: the moov atom is gone. */
export function truncatedMp4(options: OutputOptions = {}): Promise<string> {
  return generate(`truncated-${VERSION}.mp4`, options.dir, async (out) => {
    const data = await readFile(await colourVideo({ dir: options.dir }));
    if (data.lastIndexOf("moov") < data.length / 2) {
      throw new Error("colourVideo's moov atom is not near the end; truncatedMp4 would not lose it");
    }
    await writeFile(out, data.subarray(0, Math.floor(data.length / 2)));
  });
}

/**
 * A 10 s faststart mp4 (moov atom first; testsrc2, so bytes spread evenly over time) cut in
 * half: it probes fine (duration 10 s), decoding stops with read errors near 5 s.
 */
export function truncatedFaststartMp4(options: OutputOptions = {}): Promise<string> {
  return generate(`truncated-faststart-${VERSION}.mp4`, options.dir, async (out) => {
    const data = await readFile(await syntheticVideo({ seconds: 10, width: 320, height: 240, fps: 30, faststart: true, dir: options.dir }));
    if (data.indexOf("moov") > data.length / 2) throw new Error("faststart did not move the moov atom to the front");
    await writeFile(out, data.subarray(0, Math.floor(data.length / 2)));
  });
}

/** colourVideo stream-copied with 90 degree rotation metadata: stored 320x240, displayed 240x320.
 * (`-metadata:s:v rotate=` is honoured by ffmpeg 4.x/5.x; newer builds may ignore it.) */
export function rotatedVideo(options: OutputOptions = {}): Promise<string> {
  return generate(`rotated-${VERSION}.mp4`, options.dir, async (out) =>
    ffmpeg(["-i", await colourVideo({ dir: options.dir }), "-map", "0", "-c", "copy", "-metadata:s:v:0", "rotate=90", "-f", "mp4", out]),
  );
}

/** colourVideo's H.264 as a raw Annex B elementary stream (.h264): no container, no duration. */
export function rawH264(options: OutputOptions = {}): Promise<string> {
  return generate(`raw-${VERSION}.h264`, options.dir, async (out) =>
    ffmpeg(["-i", await colourVideo({ dir: options.dir }), "-map", "0:v", "-c", "copy", "-bsf:v", "h264_mp4toannexb", "-f", "h264", out]),
  );
}

/** colourVideo with its `avc1` sample entry renamed `zzzz`: the stream has no known codec. */
export function unknownCodecMp4(options: OutputOptions = {}): Promise<string> {
  return generate(`unknown-codec-${VERSION}.mp4`, options.dir, async (out) => {
    const data = Buffer.from(await readFile(await colourVideo({ dir: options.dir })));
    const at = data.indexOf("avc1", data.indexOf("stsd"));
    if (at < 0) throw new Error("no avc1 sample entry found in colourVideo");
    data.write("zzzz", at, "latin1");
    await writeFile(out, data);
  });
}

/** colourVideo re-encoded as MPEG-4 Part 2 in an AVI container. */
export function mpeg4Avi(options: OutputOptions = {}): Promise<string> {
  return generate(`mpeg4-${VERSION}.avi`, options.dir, async (out) =>
    ffmpeg(["-i", await colourVideo({ dir: options.dir }), "-map", "0:v", "-c:v", "mpeg4", "-q:v", "5", "-f", "avi", out]),
  );
}

/** Two seconds of colourVideo as an animated GIF (a container and codec of its own). */
export function animatedGif(options: OutputOptions = {}): Promise<string> {
  return generate(`animated-${VERSION}.gif`, options.dir, async (out) =>
    ffmpeg(["-i", await colourVideo({ dir: options.dir }), "-t", "2", "-vf", "fps=5,scale=160:-1", "-f", "gif", out]),
  );
}

/** A text file named .mp4. */
export function textAsMp4(options: OutputOptions = {}): Promise<string> {
  return generate(`text-${VERSION}.mp4`, options.dir, (out) => writeFile(out, "This is not a video.\nJust some text in a file named .mp4.\n"));
}

/** A zero-byte file named .mp4. */
export function emptyFile(options: OutputOptions = {}): Promise<string> {
  return generate(`empty-${VERSION}.mp4`, options.dir, (out) => writeFile(out, ""));
}

/** boundaryVideo's scenes, in order: still colours, moving patterns, 3- and 6-frame flashes. */
export const BOUNDARY_SCENES: readonly { source: string; startSec: number; endSec: number }[] = [
  { source: "color=c=0xff0000", startSec: 0, endSec: 18 },
  { source: "testsrc2", startSec: 18, endSec: 29.9 },
  { source: "color=c=0x00ff00", startSec: 29.9, endSec: 30 },
  { source: "color=c=0x0000ff", startSec: 30, endSec: 45 },
  { source: "testsrc", startSec: 45, endSec: 59.9 },
  { source: "color=c=0xffffff", startSec: 59.9, endSec: 60.1 },
  { source: "color=c=0xffff00", startSec: 60.1, endSec: 60.5 },
  { source: "color=c=0xff0000", startSec: 60.5, endSec: 90 },
];

/**
 * 90 s with the x264 default keyframe spacing (not on the boundaries), whose scenes put a cut
 * right at 30 s, one 0.1 s before it, a flash across 60 s and a cut 0.5 s after it: what a
 * segmented decode must sample exactly as one pass does.
 */
export function boundaryVideo(options: OutputOptions = {}): Promise<string> {
  const size = "320x240";
  return generate(`boundary-${VERSION}-${size}.mp4`, options.dir, async (out) => {
    const scenes = BOUNDARY_SCENES.map(({ source, startSec, endSec }, i) => {
      const frames = Math.round((endSec - startSec) * 30);
      return `${source}${source.includes("=") ? ":" : "="}s=${size}:r=30,trim=end_frame=${frames},setpts=PTS-STARTPTS,format=yuv420p,setsar=1[s${i}]`;
    });
    const inputs = BOUNDARY_SCENES.map((_, i) => `[s${i}]`).join("");
    const graph = [...scenes, `${inputs}concat=n=${BOUNDARY_SCENES.length}:v=1:a=0,format=yuv420p[v]`].join(";");
    await ffmpeg(["-filter_complex", graph, "-map", "[v]", ...h264(), "-f", "mp4", out]);
  });
}

/** ffmpeg's moving `testsrc2` pattern as H.264 mp4 (cached by parameters). */
export function syntheticVideo(options: { seconds: number; width: number; height: number; fps: number; faststart?: boolean } & OutputOptions): Promise<string> {
  const { seconds, width, height, fps } = options;
  const name = `synthetic-${VERSION}-${seconds}s-${width}x${height}-${fps}fps${options.faststart ? "-faststart" : ""}.mp4`;
  return generate(name, options.dir, (out) =>
    ffmpeg([
      "-f",
      "lavfi",
      "-i",
      `testsrc2=s=${width}x${height}:r=${fps}:d=${seconds}`,
      ...h264(),
      ...(options.faststart ? ["-movflags", "+faststart"] : []),
      "-f",
      "mp4",
      out,
    ]),
  );
}

// ---------------------------------------------------------------------------------------------

function h264(): string[] {
  return ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"];
}

async function ffmpeg(args: string[]): Promise<void> {
  const result = await runTool(ffmpegPath(), ["-hide_banner", "-nostdin", "-v", "error", "-y", ...args], { timeoutMs: 300_000 });
  if (result.code !== 0) throw new Error(`ffmpeg ${args.join(" ")} failed (${result.code ?? result.signal}): ${result.stderr.trim().slice(-2000)}`);
}

const inFlight = new Map<string, Promise<string>>();

/** Returns dir/name, creating it with `make(tempPath)` unless it exists; atomic via rename. */
function generate(name: string, dir: string | undefined, make: (tempPath: string) => Promise<unknown>): Promise<string> {
  const target = join(dir ?? TEST_VIDEO_CACHE, name);
  const existing = inFlight.get(target);
  if (existing) return existing;
  const work = (async () => {
    if (await exists(target)) return target;
    await mkdir(dirname(target), { recursive: true });
    const extension = name.slice(name.lastIndexOf("."));
    const temp = `${target}.${process.pid}-${randomBytes(4).toString("hex")}.tmp${extension}`;
    try {
      await make(temp);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return target;
  })();
  inFlight.set(target, work);
  work.catch(() => inFlight.delete(target));
  return work;
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
