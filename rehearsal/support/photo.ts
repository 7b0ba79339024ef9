/** The picture a user would search with: a phone photo of a moment of a video. */
import { createRequire } from "node:module";
import path from "node:path";
import sharp from "sharp";
import { run } from "./process.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

/**
 * A frame of `video` as a phone would photograph it: 4000x3000 (12 MP), with sensor-like grain so
 * that the JPEG weighs what a phone's does (about 5.4 MB), over what the gateway can carry.
 */
export async function twelveMegapixelPhoto(video: string, out: string): Promise<void> {
  const ffmpeg = (createRequire(path.join(ROOT, "packages/cli/package.json"))("@ffmpeg-installer/ffmpeg") as { path: string }).path;
  const frame = `${out}.frame.png`;
  await run(ffmpeg, ["-v", "error", "-y", "-ss", "1", "-i", video, "-frames:v", "1", frame], {});
  const [width, height] = [4000, 3000];
  const pixels = await sharp(frame).resize(width, height, { fit: "fill" }).removeAlpha().raw().toBuffer();
  let seed = 7;
  for (let i = 0; i < pixels.length; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    pixels[i] = Math.max(0, Math.min(255, pixels[i]! + Math.round((seed / 4294967296 - 0.5) * 56)));
  }
  await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 95 }).toFile(out);
}
