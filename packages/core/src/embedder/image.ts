import { loadSharp } from "../util/sharp.js";
import { VisibleError, errorMessage } from "../error.js";
import type { RgbImage } from "./types.js";

/** Decodes any image sharp reads (JPEG, PNG, WebP, GIF, AVIF, TIFF...) to packed rgb24. */
export async function decodeImage(bytes: Uint8Array): Promise<RgbImage> {
  const sharp = await loadSharp();
  try {
    const { data, info } = await sharp(bytes)
      .rotate() // honour EXIF orientation: phone photos are often stored sideways
      .toColourspace("srgb")
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (error) {
    throw new VisibleError("image.invalid", `The file is not an image that can be read (${errorMessage(error)}).`, 415);
  }
}
