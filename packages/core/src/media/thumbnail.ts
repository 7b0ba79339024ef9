/** JPEG thumbnails of sampled frames, with sharp (raw rgb input, no temp files). */
import { loadSharp } from "../util/sharp.js";

export interface JpegOptions {
  /** Output width in pixels (default 320); the height keeps the aspect ratio. */
  width?: number;
  /** JPEG quality 1-100 (default 80). */
  quality?: number;
}

export const DEFAULT_THUMBNAIL_WIDTH = 320;

export async function encodeJpeg(frame: { rgb: Buffer; width: number; height: number }, options: JpegOptions = {}): Promise<Buffer> {
  const width = options.width ?? DEFAULT_THUMBNAIL_WIDTH;
  const quality = options.quality ?? 80;
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`thumbnail width must be a positive integer, got ${width}`);
  if (frame.rgb.length !== frame.width * frame.height * 3) {
    throw new RangeError(`encodeJpeg: ${frame.rgb.length} bytes is not a ${frame.width}x${frame.height} rgb24 frame`);
  }
  const sharp = await loadSharp();
  const image = sharp(frame.rgb, { raw: { width: frame.width, height: frame.height, channels: 3 } });
  if (width !== frame.width) image.resize({ width, kernel: "lanczos3" });
  return image.jpeg({ quality, mozjpeg: false }).toBuffer();
}
