/**
 * A video for tracks: a real photograph of a person (the 3D figure, cropped to it) on plain
 * backgrounds, 640x360 at 10 fps. 0-6 s: it pans from left to right on grey; a cut at 6 s; 6-12 s:
 * the camera zooms in on it in the middle of dark blue. `plantedBox` says where it is at any time.
 */
import { execFile } from "node:child_process";
import { mkdir, rename, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { ffmpegPath } from "../../src/media/index.js";
import { PHOTOS } from "../../../cli/test/support/photo-video.js";
import { TEST_VIDEO_CACHE } from "./videos.js";

const run = promisify(execFile);
const W = 640;
const H = 360;
/** The person in the figure photograph (800x653), as CenterNet finds it there. */
const PERSON = { x: 73, y: 59, w: 159, h: 577 };
export const CUT_SEC = 6;
export const TRACK_VIDEO_SEC = 12;
const even = (value: number) => 2 * Math.round(value / 2);

/** The person's box at `timeSec`, normalised to the frame (0-1). */
export function plantedBox(timeSec: number): { x: number; y: number; w: number; h: number } {
  if (timeSec < CUT_SEC) {
    const h = 260;
    const w = even((PERSON.w * h) / PERSON.h);
    return { x: Math.floor(40 + 70 * timeSec) / W, y: 50 / H, w: w / W, h: h / H };
  }
  // A 200 px high person in the middle, zoomed about the frame's centre by 1 + 0.008 per frame (1.48 at the end).
  const zoom = 1 + 0.008 * Math.round((timeSec - CUT_SEC) * 10);
  const h = 200;
  const w = even((PERSON.w * h) / PERSON.h);
  const x = Math.floor((W - w) / 2);
  const y = Math.floor((H - h) / 2);
  return { x: (W / 2 + (x - W / 2) * zoom) / W, y: (H / 2 + (y - H / 2) * zoom) / H, w: (w * zoom) / W, h: (h * zoom) / H };
}

export async function trackVideo(): Promise<string> {
  const file = path.join(TEST_VIDEO_CACHE, "track-v2-640x360.mp4");
  if (await stat(file).then(() => true, () => false)) return file;
  await mkdir(TEST_VIDEO_CACHE, { recursive: true });
  const temp = `${file}.${process.pid}.tmp.mp4`;
  const person = `crop=${PERSON.w}:${PERSON.h}:${PERSON.x}:${PERSON.y},setsar=1`;
  await run(ffmpegPath(), [
    "-v", "error", "-y",
    "-f", "lavfi", "-i", `color=c=0x808080:s=${W}x${H}:r=10:d=${CUT_SEC}`,
    "-f", "lavfi", "-i", `color=c=0x102040:s=${W}x${H}:r=10:d=${TRACK_VIDEO_SEC - CUT_SEC}`,
    "-framerate", "10", "-loop", "1", "-t", String(CUT_SEC), "-i", PHOTOS.figure,
    "-framerate", "10", "-loop", "1", "-t", String(TRACK_VIDEO_SEC - CUT_SEC), "-i", PHOTOS.figure,
    "-filter_complex",
    [
      `[2:v]${person},scale=-2:260[p1]`,
      `[3:v]${person},scale=-2:200[p2]`,
      `[0:v][p1]overlay=x='floor(40+70*t)':y=50:shortest=1[a]`,
      `[1:v][p2]overlay=x='floor((W-w)/2)':y='floor((H-h)/2)':shortest=1,zoompan=z='1+0.008*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=${W}x${H}:fps=10[b]`,
      `[a][b]concat=n=2:v=1:a=0,format=yuv420p[v]`,
    ].join(";"),
    "-map", "[v]", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", temp,
  ]);
  await rename(temp, file);
  return file;
}
