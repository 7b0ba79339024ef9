/**
 * Short clips for the load section (each cuts between colours and test patterns, a different
 * seeded order per clip, so every ingest samples, detects and embeds its own frames) and JPEG
 * stills taken from them for picture searches. Generated with the project's ffmpeg into
 * `<cache>/videos` and reused; written to a temp name, then renamed.
 */
import { spawn } from "node:child_process";
import { access, mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { ffmpegPath } from "@vos/core/media";
import { mulberry32 } from "../../packages/core/scripts/seeded-random.js";

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
    const clip = await generate(path.join(dir, `load-${VERSION}-${clipSec}s-${i}.mp4`), (out) =>
      ffmpeg(["-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-f", "mp4", out]),
    );
    clips.push(clip);
    stills.push(await generate(path.join(dir, `load-${VERSION}-${clipSec}s-${i}.jpg`), (out) => ffmpeg(["-ss", "1", "-i", clip, "-frames:v", "1", "-q:v", "4", "-f", "image2", out])));
  }
  return { clips, stills, clipSec };
}

function ffmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), ["-hide_banner", "-nostdin", "-v", "error", "-y", ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg failed (${code}): ${stderr.trim().slice(-2000)}`))));
  });
}

async function generate(target: string, make: (temp: string) => Promise<void>): Promise<string> {
  if (await access(target).then(() => true, () => false)) return target;
  const temp = `${target}.${process.pid}.tmp${path.extname(target)}`;
  try {
    await make(temp);
    await rename(temp, target);
  } finally {
    await rm(temp, { force: true });
  }
  return target;
}
