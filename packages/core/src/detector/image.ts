import { VisibleError } from "../error.js";
import type { RgbImage } from "./types.js";

/** Rejects pixel buffers that do not hold width x height rgb24 pixels (the detector's input format). */
export function checkImage(image: RgbImage): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new VisibleError("image.invalid", `Image size ${width}x${height} is not a positive whole number of pixels.`, 415);
  }
  if (!(data instanceof Uint8Array) || data.length !== width * height * 3) {
    throw new VisibleError(
      "image.invalid",
      `Image data has ${data?.length ?? 0} bytes; ${width}x${height} rgb24 needs ${width * height * 3}.`,
      415,
    );
  }
}
