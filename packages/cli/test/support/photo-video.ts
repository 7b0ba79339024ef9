import { execFile } from "node:child_process";
import { mkdir, rename, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";
import { ffmpegPath } from "@vos/core/media";
import { TEST_VIDEO_CACHE } from "../../../core/test/support/videos.js";

const run = promisify(execFile);
const require = createRequire(import.meta.url);
// The package's exports map hides package.json: go up from its main entry (dist/) instead.
const assets = path.join(path.dirname(require.resolve("@vladmandic/human")), "..", "assets");

/** Real photographs that ship inside an npm package: a party (people) and a 3D figure on black. */
export const PHOTOS = { party: path.join(assets, "samples.jpg"), figure: path.join(assets, "screenshot-vrm.jpg") };

/**
 * A 12 s video made from real photographs, 640x480 at 10 fps: the party 0-3 s, dark blue
 * 3-6 s, the party again 6-9 s, the 3D figure 9-12 s.
 */
export async function photoVideo(): Promise<string> {
  const file = path.join(TEST_VIDEO_CACHE, "photos-v1-640x480.mp4");
  if (await stat(file).then(() => true, () => false)) return file;
  await mkdir(TEST_VIDEO_CACHE, { recursive: true });
  const temp = `${file}.${process.pid}.tmp.mp4`;
  const still = (input: number) => `[${input}:v]scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=10,format=yuv420p`;
  await run(ffmpegPath(), [
    "-v", "error", "-y",
    "-loop", "1", "-t", "3", "-i", PHOTOS.party,
    "-f", "lavfi", "-t", "3", "-i", "color=c=0x102040:s=640x480:r=10",
    "-loop", "1", "-t", "3", "-i", PHOTOS.party,
    "-loop", "1", "-t", "3", "-i", PHOTOS.figure,
    "-filter_complex",
    `${still(0)}[a];[1:v]format=yuv420p,setsar=1[b];${still(2)}[c];${still(3)}[d];[a][b][c][d]concat=n=4:v=1:a=0[v]`,
    "-map", "[v]", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", temp,
  ]);
  await rename(temp, file);
  return file;
}
