/**
 * Search pictures from users, decoded with bounded work: the header is checked first (format,
 * pixel count), the decode shrinks while loading straight to a little above the model's input,
 * and only a few decodes run at once. The video pipeline's frames (raw RGB from ffmpeg) do not
 * come through here.
 */
import { loadSharp } from "../util/sharp.js";
import { VisibleError, errorMessage } from "../error.js";
import { checkPictureHeader, decodeSize, tooManyPixels, type PicturePlan } from "./picture-limits.js";
import { createSemaphore } from "./semaphore.js";
import type { RgbImage } from "./types.js";

/** Picture decodes at once in this process: more requests queue rather than multiply memory. */
export const PICTURE_DECODES_AT_ONCE = 2;
export const pictureDecodes = createSemaphore(PICTURE_DECODES_AT_ONCE);

const unreadable = (error: unknown) => new VisibleError("image.invalid", `The file is not an image that can be read (${errorMessage(error)}).`, 415);

/**
 * Decodes a picture in an accepted format (see picture-limits.ts) to packed rgb24, upright (EXIF
 * orientation applied) and shrunk to the size decodeSize gives. Refusals: 415 image.invalid,
 * 415 image.unsupported_type, 413 image.too_many_pixels.
 */
export async function decodeImage(bytes: Uint8Array): Promise<RgbImage> {
  const sharp = await loadSharp();
  // metadata() reads the header only: no pixel is decoded before the checks.
  const header = await sharp(bytes).metadata().catch((error: unknown) => {
    throw unreadable(error);
  });
  const plan = checkPictureHeader(header);
  return pictureDecodes.run(() => decodePlanned(bytes, plan));
}

/** The decode itself, for a picture whose header passed. Exported for the second guard's test. */
export async function decodePlanned(bytes: Uint8Array, plan: PicturePlan): Promise<RgbImage> {
  const sharp = await loadSharp();
  try {
    const { data, info } = await sharp(bytes, {
      // A second guard with the same limit: a header that lies still cannot decode unbounded.
      limitInputPixels: plan.maxPixels,
      // sharp's advice for untrusted input: refuse pixel data its decoder warns about.
      failOn: "warning",
    })
      .rotate() // honour EXIF orientation: phone photos are often stored sideways
      // Exact size with "cover": libvips shrinks while loading (JPEG and WebP decode at 1/2-1/8
      // scale) and crops the centre only past MAX_ASPECT. A picture already small is left alone.
      .resize({ ...decodeSize(plan.width, plan.height), fit: "cover", position: "centre" })
      .toColourspace("srgb")
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (error) {
    if (/exceeds pixel limit/i.test(errorMessage(error))) throw tooManyPixels(plan.format, plan.maxPixels, "larger than its header says");
    throw unreadable(error);
  }
}
