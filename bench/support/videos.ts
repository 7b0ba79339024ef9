/**
 * Videos with planted events for the sampling benchmark, generated with the project's ffmpeg
 * (`ffmpegPath()`: FFMPEG_PATH, PATH, or the npm static build) into `<repo>/.cache/bench/videos`
 * and reused (names carry a version; written to a temp name, then renamed).
 *
 * An event is a short distinct moment whose frames are known exactly (frame numbers at 30 fps),
 * placed off the whole-second grid where a plain 1 fps sampler looks, except where noted.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { access, mkdir, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { ffmpegPath } from "@vos/core/media";
import { mulberry32 } from "../../packages/core/scripts/seeded-random.js";

export const FPS = 30;
export const WIDTH = 640;
export const HEIGHT = 360;
export const DURATION_SEC = 60;
const VERSION = "v1";

export interface PlantedEvent {
  name: string;
  /** First frame showing the event (frame numbers at FPS). */
  startFrame: number;
  /** First frame after it. */
  endFrame: number;
}

export interface BenchVideo {
  name: string;
  file: string;
  description: string;
  events: PlantedEvent[];
  /** Every shot between two cuts (cut-heavy video only), as frame spans. */
  shots?: PlantedEvent[];
}

const seconds = (frame: number) => frame / FPS;
export const eventSpan = (event: PlantedEvent) => ({ startSec: seconds(event.startFrame), endSec: seconds(event.endFrame) });

/** A frame at timeSec lies inside the event (frame times are multiples of 1/FPS). */
export function contains(event: PlantedEvent, timeSec: number): boolean {
  const frame = Math.round(timeSec * FPS);
  return frame >= event.startFrame && frame < event.endFrame;
}

/**
 * A still photograph shipped in npm (people at a party), or, without it, one rendered frame of
 * ffmpeg's Mandelbrot set; either is looped as the static scene.
 */
async function stillSource(dir: string): Promise<string[]> {
  try {
    const photo = path.join(path.dirname(createRequire(import.meta.url).resolve("@vladmandic/human")), "..", "assets", "samples.jpg");
    await access(photo);
    return ["-loop", "1", "-framerate", String(FPS), "-i", photo];
  } catch {
    const still = await generate(dir, `still-${VERSION}.png`, (out) =>
      ffmpeg(["-f", "lavfi", "-i", `mandelbrot=s=${WIDTH}x${HEIGHT}`, "-frames:v", "1", "-f", "image2", "-c:v", "png", out]),
    );
    return ["-loop", "1", "-framerate", String(FPS), "-i", still];
  }
}

/**
 * (a) 60 s of one still photo with a six-bit binary counter of the seconds (6x6 px squares in a
 * corner) and four planted events: a 0.5 s white flash, a 0.5 s red flash, a 0.7 s caption card
 * over the lower half, and a 1 s cut to a moving test pattern (that one spans a whole second, so
 * 1 fps catches it too).
 */
export async function staticSceneVideo(dir: string): Promise<BenchVideo> {
  const events: PlantedEvent[] = [
    { name: "white flash 0.5 s", startFrame: 369, endFrame: 384 }, // 12.3-12.8 s
    { name: "red flash 0.5 s", startFrame: 828, endFrame: 843 }, // 27.6-28.1 s
    { name: "cut to a new scene 1 s", startFrame: 1152, endFrame: 1182 }, // 38.4-39.4 s
    { name: "caption card 0.7 s", startFrame: 1476, endFrame: 1497 }, // 49.2-49.9 s
  ];
  const on = (event: PlantedEvent) => `between(n\\,${event.startFrame}\\,${event.endFrame - 1})`;
  const [white, red, cut, caption] = events as [PlantedEvent, PlantedEvent, PlantedEvent, PlantedEvent];
  const counter = Array.from({ length: 6 }, (_, bit) =>
    `drawbox=x=${WIDTH - 12 - bit * 10}:y=${HEIGHT - 12}:w=6:h=6:color=white:t=fill:enable='eq(mod(floor(t/${2 ** bit})\\,2)\\,1)'`,
  );
  const graph = [
    `[0:v]scale=${WIDTH}:${HEIGHT}:force_original_aspect_ratio=increase,crop=${WIDTH}:${HEIGHT},setsar=1,fps=${FPS},format=yuv420p,${counter.join(",")}[still]`,
    `testsrc2=s=${WIDTH}x${HEIGHT}:r=${FPS},format=yuv420p[pattern]`,
    `[still][pattern]overlay=enable='${on(cut)}':shortest=1[withcut]`,
    `[withcut]drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='${on(white)}',` +
      `drawbox=x=0:y=0:w=iw:h=ih:color=red:t=fill:enable='${on(red)}',` +
      `drawbox=x=0:y=ih/2:w=iw:h=ih/2:color=0x1040c0:t=fill:enable='${on(caption)}'[v]`,
  ].join(";");
  const name = `static-scene-${VERSION}.mp4`;
  const input = await stillSource(dir);
  const file = await generate(dir, name, (out) =>
    ffmpeg([...input, "-filter_complex", graph, "-map", "[v]", "-frames:v", String(DURATION_SEC * FPS), ...h264(), out]),
  );
  return { name: "static scene", file, description: "60 s still photo, seconds counter, 4 planted events", events };
}

const SIZE = `s=${WIDTH}x${HEIGHT}:r=${FPS}`;
/** What the cut-heavy video cuts between (never the same twice in a row). */
const LOOKS = [
  `color=c=0xd01010:${SIZE}`,
  `color=c=0x10a010:${SIZE}`,
  `color=c=0x1020d0:${SIZE}`,
  `color=c=0xe0d020:${SIZE}`,
  `color=c=0x202020:${SIZE}`,
  `testsrc=${SIZE}`,
  `testsrc2=${SIZE}`,
  `smptebars=${SIZE}`,
  `rgbtestsrc=${SIZE}`,
  `pal75bars=${SIZE}`,
  `cellauto=s=160x90:r=${FPS}:rule=110,scale=${WIDTH}:${HEIGHT}:flags=neighbor`,
];


/**
 * (b) 60 s that cuts every 0.7-3 s (seeded, in 0.1 s steps) between solid colours and test
 * patterns, with four planted events that are cuts too: a 0.5 s white flash, a 1 s Mandelbrot
 * scene, a 0.5 s magenta flash, a 1 s zooming Mandelbrot scene.
 */
export async function cutHeavyVideo(dir: string): Promise<BenchVideo> {
  const planted = [
    { name: "white flash 0.5 s", look: `color=c=white:${SIZE}`, startFrame: 279, endFrame: 294 }, // 9.3-9.8 s
    { name: "new scene 1 s", look: `mandelbrot=${SIZE}:maxiter=200`, startFrame: 642, endFrame: 672 }, // 21.4-22.4 s
    { name: "magenta flash 0.5 s", look: `color=c=0xff00ff:${SIZE}`, startFrame: 1011, endFrame: 1026 }, // 33.7-34.2 s
    { name: "new scene 1 s (zoom)", look: `mandelbrot=${SIZE}:maxiter=200:start_scale=0.5:end_scale=0.01`, startFrame: 1416, endFrame: 1446 }, // 47.2-48.2 s
  ];
  const random = mulberry32(20240901);
  const segments: { look: string; frames: number }[] = [];
  const add = (look: string, frames: number) => segments.push({ look, frames });
  /** Fills `frames` (a multiple of 3) with segments of 0.7-3 s (21-90 frames, multiples of 3). */
  const fill = (frames: number) => {
    const filler = (length: number) => {
      const previous = segments[segments.length - 1]?.look;
      const choices = LOOKS.filter((look) => look !== previous);
      add(choices[Math.floor(random() * choices.length)]!, length);
    };
    while (frames > 90) {
      const longest = Math.min(90, frames - 21); // leave 0.7 s at least for the last one
      const length = 21 + 3 * Math.floor(random() * ((longest - 21) / 3 + 1));
      filler(length);
      frames -= length;
    }
    if (frames > 0) filler(frames);
  };
  let at = 0;
  for (const event of planted) {
    fill(event.startFrame - at);
    add(event.look, event.endFrame - event.startFrame);
    at = event.endFrame;
  }
  fill(DURATION_SEC * FPS - at);
  const inputs = segments.map(
    (segment, i) => `${segment.look},trim=end_frame=${segment.frames},setpts=PTS-STARTPTS,format=yuv420p,setsar=1[s${i}]`,
  );
  const graph = [...inputs, `${segments.map((_, i) => `[s${i}]`).join("")}concat=n=${segments.length}:v=1:a=0[v]`].join(";");
  const name = `cut-heavy-${VERSION}.mp4`;
  const file = await generate(dir, name, (out) => ffmpeg(["-filter_complex", graph, "-map", "[v]", ...h264(), out]));
  let frame = 0;
  const shots = segments.map((segment, i) => {
    const shot = { name: `shot ${i + 1}`, startFrame: frame, endFrame: frame + segment.frames };
    frame += segment.frames;
    return shot;
  });
  return {
    name: "cut-heavy",
    file,
    description: `60 s, ${segments.length - 1} cuts (every 0.7-3 s), 4 planted events`,
    events: planted.map(({ name: eventName, startFrame, endFrame }) => ({ name: eventName, startFrame, endFrame })),
    shots,
  };
}

function h264(): string[] {
  return ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-r", String(FPS), "-f", "mp4"];
}

/** Runs ffmpeg quietly; its last words are in the error when it fails. */
export function ffmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), ["-hide_banner", "-nostdin", "-v", "error", "-y", ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg failed (${code}): ${stderr.trim().slice(-2000)}\nargs: ${args.join(" ")}`))));
  });
}

/** `dir/name`, made by `make` into a temporary file and renamed into place, unless it is there already. */
export async function generate(dir: string, name: string, make: (temp: string) => Promise<void>): Promise<string> {
  const target = path.join(dir, name);
  try {
    await access(target);
    return target;
  } catch {
    // not there yet
  }
  await mkdir(dir, { recursive: true });
  const temp = `${target}.${process.pid}-${randomBytes(4).toString("hex")}.tmp${path.extname(name)}`;
  try {
    await make(temp);
    await rename(temp, target);
  } finally {
    await rm(temp, { force: true });
  }
  return target;
}
