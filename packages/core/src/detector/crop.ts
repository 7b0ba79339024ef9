import { loadSharp } from "../util/sharp.js";
import { checkImage } from "./image.js";
import type { Box, RgbImage } from "./types.js";

/**
 * Cuts a detection's box out of a frame, grown by `padding` (a fraction of the box's width and
 * height on each side, default 0.1) so an object's crop keeps a little context, and clamped to the
 * frame. Always at least 1x1 pixel, even for a box of zero size or one outside the frame.
 */
export async function cropBox(image: RgbImage, box: Box, padding = 0.1): Promise<RgbImage> {
  checkImage(image);
  const pad = Number.isFinite(padding) ? Math.max(0, padding) : 0;
  const finite = (value: number) => (Number.isFinite(value) ? value : 0);
  const [x, y, w, h] = [finite(box.x), finite(box.y), Math.max(0, finite(box.w)), Math.max(0, finite(box.h))];
  const span = (start: number, size: number, extent: number): [number, number] => {
    // The epsilon keeps float noise (0.07 * 100 = 7.000000000000001) from adding a pixel.
    const from = Math.floor((start - pad * size) * extent + 1e-6);
    const to = Math.ceil((start + size + pad * size) * extent - 1e-6);
    const first = Math.min(extent - 1, Math.max(0, from));
    const end = Math.min(extent, Math.max(first + 1, to));
    return [first, end - first];
  };
  const [left, width] = span(x, w, image.width);
  const [top, height] = span(y, h, image.height);
  const sharp = await loadSharp();
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract({ left, top, width, height })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}
