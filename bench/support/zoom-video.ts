/**
 * The ingest benchmarks' video: a real photograph (a party: many people) under a slow zoom at
 * 1280x720, 30 fps, so every sampled frame differs and holds objects. Made once per length into
 * `.cache/bench/videos` (written aside, then renamed into place).
 */
import { execFile } from "node:child_process";
import { mkdir, rename, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";
import { ffmpegPath } from "@vos/core/media";
import type { BenchContext } from "../types.js";

const run$ = promisify(execFile);
const require = createRequire(import.meta.url);

export async function zoomVideo(context: BenchContext, seconds: number): Promise<string> {
  const dir = path.join(context.cacheDir, "videos");
  const file = path.join(dir, `party-zoom-v1-${seconds}s-1280x720.mp4`);
  if (await stat(file).then(() => true, () => false)) return file;
  await mkdir(dir, { recursive: true });
  const photo = path.join(path.dirname(require.resolve("@vladmandic/human")), "..", "assets", "samples.jpg");
  const temp = `${file}.${process.pid}.tmp.mp4`;
  const frames = seconds * 30;
  context.progress(`generating a ${seconds} s 720p video`);
  await run$(ffmpegPath(), [
    "-v", "error", "-y", "-loop", "1", "-i", photo,
    "-vf", `crop=1280:960:0:198,scale=2560:1920,zoompan=z='1+0.4*on/${frames}':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=${frames}:s=1280x720:fps=30,format=yuv420p`,
    "-frames:v", String(frames), "-c:v", "libx264", "-preset", "veryfast", temp,
  ]);
  await rename(temp, file);
  return file;
}
