/**
 * Large test videos without encoding one: the 20 s colour clip followed by an MP4 `free` box
 * (which players and ffprobe skip) full of random bytes, up to the size asked for. It probes and
 * processes exactly like the clip (20 frames), so a 200 MB upload can end as a ready video, and
 * the random padding makes any misplaced or missing part change the hash.
 */
import { createHash, randomBytes } from "node:crypto";
import { open, readFile } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { colourVideo } from "../../../core/test/support/videos.js";

export interface PaddedVideo {
  file: string;
  size: number;
  sha256: string;
}

const CHUNK = 4 * 1024 * 1024;

export async function paddedVideo(dir: string, name: string, totalBytes: number): Promise<PaddedVideo> {
  const clip = await readFile(await colourVideo({ faststart: true }));
  const padding = totalBytes - clip.length - 8;
  if (padding < 0 || totalBytes > 0xffffffff) throw new Error(`a padded video must be ${clip.length + 8} to 4 GiB bytes`);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(padding + 8, 0);
  header.write("free", 4, "latin1");
  const file = path.join(dir, name);
  const hash = createHash("sha256");
  const handle = await open(file, "w");
  try {
    for (const piece of [clip, header]) {
      hash.update(piece);
      await handle.write(piece);
    }
    for (let left = padding; left > 0; left -= CHUNK) {
      const piece = randomBytes(Math.min(CHUNK, left));
      hash.update(piece);
      await handle.write(piece);
    }
  } finally {
    await handle.close();
  }
  return { file, size: totalBytes, sha256: hash.digest("hex") };
}

export async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
