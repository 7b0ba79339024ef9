/**
 * Short clips for the load section (each cuts between colours and test patterns, a different
 * seeded order per clip, so every ingest samples, detects and embeds its own frames) and JPEG
 * stills taken from them for picture searches. Generated with the project's ffmpeg into
 * `<cache>/videos` and reused; written to a temp name, then renamed.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { mulberry32 } from "../../packages/core/scripts/seeded-random.js";
import { ffmpeg, generate } from "./videos.js";

const VERSION = "v1";
const WIDTH = 640;
const HEIGHT = 360;
const FPS = 25;
const SIZE = `s=${WIDTH}x${HEIGHT}:r=${FPS}`;
const LOOKS = [
  `color=c=0xd01010:${SIZE}`,
  `color=c=0x10a010:${SIZE}`,
  `color=c=0x1020d0:${SIZE}`,
  `testsrc2=${SIZE}`,
  `smptebars=${SIZE}`,
  `rgbtestsrc=${SIZE}`,
  `mandelbrot=${SIZE}:maxiter=100`,
  `cellauto=s=160x90:r=${FPS}:rule=30,scale=${WIDTH}:${HEIGHT}:flags=neighbor`,
];

export interface LoadMedia {
  clips: string[];
  /** JPEG stills (640x360), one from each clip. */
  stills: string[];
  clipSec: number;
}

/** `count` clips of `clipSec` seconds (a cut every 2 s) and a still from each. */
export async function loadMedia(cacheDir: string, count: number, clipSec: number): Promise<LoadMedia> {
  const dir = path.join(cacheDir, "videos");
  await mkdir(dir, { recursive: true });
  const clips: string[] = [];
  const stills: string[] = [];
  for (let i = 0; i < count; i++) {
    const random = mulberry32(9100 + i);
    const looks = Array.from({ length: Math.ceil(clipSec / 2) }, () => LOOKS[Math.floor(random() * LOOKS.length)]!);
    const graph = [
      ...looks.map((look, s) => `${look},trim=duration=2,setpts=PTS-STARTPTS,format=yuv420p,setsar=1[s${s}]`),
      `${looks.map((_, s) => `[s${s}]`).join("")}concat=n=${looks.length}:v=1:a=0,trim=duration=${clipSec}[v]`,
    ].join(";");
    const clip = await generate(dir, `load-${VERSION}-${clipSec}s-${i}.mp4`, (out) =>
      ffmpeg(["-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-f", "mp4", out]),
    );
    clips.push(clip);
    stills.push(await generate(dir, `load-${VERSION}-${clipSec}s-${i}.jpg`, (out) => ffmpeg(["-ss", "1", "-i", clip, "-frames:v", "1", "-q:v", "4", "-f", "image2", out])));
  }
  return { clips, stills, clipSec };
}
