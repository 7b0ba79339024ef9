/**
 * What a search picture may be, judged from its header before a pixel is decoded. A picture costs
 * what its pixel count costs, not what its file size suggests (123 bytes of SVG can ask for
 * 16000 x 16000), so formats and pixel counts are what is limited.
 */
import { VisibleError } from "../error.js";

/**
 * Camera photos up to 64 megapixels pass (61 MP full-frame bodies, 50 MP medium format); 16000 x
 * 16000 (256 MP) does not. Most pictures decode streamed or shrunk while loading, but an
 * interlaced PNG, a progressive JPEG or a GIF is decoded whole first: at this limit those peak
 * at 200-330 MB each (measured), which the API's memory holds twice over.
 */
export const MAX_PICTURE_PIXELS = 64_000_000;

/** AVIF's decoder holds about 18 bytes a pixel (a 12 MP AVIF: 230 MB), so it gets a quarter. */
const MAX_AVIF_PIXELS = 16_000_000;

/** The formats accepted, keyed by what sharp's header reader calls them. */
const FORMATS = {
  jpeg: { name: "JPEG", maxPixels: MAX_PICTURE_PIXELS },
  png: { name: "PNG", maxPixels: MAX_PICTURE_PIXELS },
  webp: { name: "WebP", maxPixels: MAX_PICTURE_PIXELS },
  gif: { name: "GIF (first frame)", maxPixels: MAX_PICTURE_PIXELS },
  avif: { name: "AVIF", maxPixels: MAX_AVIF_PIXELS },
  tiff: { name: "TIFF", maxPixels: MAX_PICTURE_PIXELS },
} as const;

export type PictureFormat = keyof typeof FORMATS;

/** "JPEG, PNG, WebP, GIF (first frame), AVIF or TIFF" */
export const ACCEPTED_PICTURES = Object.values(FORMATS)
  .map((format) => format.name)
  .join(", ")
  .replace(/, ([^,]+)$/, " or $1");

/** The part of sharp's metadata the check reads. */
export interface PictureHeader {
  format?: string;
  /** HEIF's codec: av1 is AVIF; hevc (HEIC) has no decoder in sharp's prebuilt libvips. */
  compression?: string;
  width?: number;
  height?: number;
  /** The size once EXIF orientation is applied. */
  autoOrient?: { width: number; height: number };
}

/** A picture that passed the check: its format, its upright size and the most pixels it may have. */
export interface PicturePlan {
  format: PictureFormat;
  width: number;
  height: number;
  maxPixels: number;
}

const megapixels = (pixels: number) => `${(pixels / 1e6).toFixed(1).replace(/\.0$/, "")} megapixels`;

/** The header's format among those accepted, or undefined with the name to refuse it by. */
function formatOf(header: PictureHeader): { format?: PictureFormat; shown: string } {
  const raw = (header.format ?? "unknown").toLowerCase();
  if (raw === "heif") return header.compression === "av1" ? { format: "avif", shown: "AVIF" } : { shown: `HEIF (${header.compression ?? "unknown codec"})` };
  if (Object.hasOwn(FORMATS, raw)) return { format: raw as PictureFormat, shown: FORMATS[raw as PictureFormat].name };
  return { shown: raw.toUpperCase() };
}

/** Throws 415 image.unsupported_type or 413 image.too_many_pixels; otherwise says how to decode. */
export function checkPictureHeader(header: PictureHeader): PicturePlan {
  const { format, shown } = formatOf(header);
  if (!format) throw new VisibleError("image.unsupported_type", `The picture is ${shown}; pictures here may be ${ACCEPTED_PICTURES}.`, 415);
  const width = header.autoOrient?.width ?? header.width ?? 0;
  const height = header.autoOrient?.height ?? header.height ?? 0;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new VisibleError("image.invalid", `The picture's header gives no size (${width} x ${height}).`, 415);
  }
  const { maxPixels } = FORMATS[format];
  const pixels = width * height;
  if (pixels > maxPixels) {
    // 8000 x 8001 rounds to the limit itself: say "just over" rather than "64 megapixels; the limit is 64".
    const shown = megapixels(pixels) === megapixels(maxPixels) ? `just over ${megapixels(maxPixels)}` : megapixels(pixels);
    throw tooManyPixels(format, maxPixels, `${width} x ${height} (${shown})`);
  }
  return { format, width, height, maxPixels };
}

/** `size` is the picture's as its header gives it, or what is known when decoding found more. */
export function tooManyPixels(format: PictureFormat, maxPixels: number, size: string): VisibleError {
  const where = FORMATS[format].maxPixels === MAX_PICTURE_PIXELS ? "here" : `for ${FORMATS[format].name} here`;
  return new VisibleError("image.too_many_pixels", `The picture is ${size}; the limit ${where} is ${megapixels(maxPixels)}. Send a smaller picture.`, 413);
}

/**
 * The shortest side a picture is decoded to: twice CLIP's 224 px input, so the model's own
 * resize (bicubic, then a centre crop) still makes the last step from more pixels than it keeps.
 */
export const DECODE_SHORT_SIDE = 448;

/**
 * The longest side is kept to at most this many times the shortest. CLIP sees only the central
 * square, so this crop loses nothing it would see, and a 1 x 50,000,000 strip decodes to 1 x 4
 * rather than being scaled by the model's resize to 224 x 11 billion.
 */
export const MAX_ASPECT = 4;

/** The upright size to decode to: shrunk to DECODE_SHORT_SIDE (never enlarged), centre-cropped to MAX_ASPECT. */
export function decodeSize(width: number, height: number): { width: number; height: number } {
  const short = Math.min(width, height);
  const scale = Math.min(1, DECODE_SHORT_SIDE / short);
  const shortSide = Math.max(1, Math.round(short * scale));
  const longSide = Math.min(Math.max(1, Math.round(Math.max(width, height) * scale)), shortSide * MAX_ASPECT);
  return width <= height ? { width: shortSide, height: longSide } : { width: longSide, height: shortSide };
}
