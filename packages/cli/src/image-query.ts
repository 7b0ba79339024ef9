import { stat } from "node:fs/promises";
import path from "node:path";
import { ApiError } from "@vos/contract";

/** Longest side of a picture sent to search: CLIP looks at 224 px, and the API caps the body. */
export const QUERY_LONGEST_SIDE = 1024;
const QUALITY = 85;

/**
 * A picture made ready for `POST /api/search/image`: turned upright by its EXIF orientation,
 * shrunk to 1024 px on its longest side, flattened onto white and encoded as JPEG, so a 12 MP
 * photo travels as a few hundred kB. An unreadable picture fails here, before any request.
 */
export async function pictureForSearch(file: string): Promise<{ bytes: Uint8Array; name: string; type: string }> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new ApiError("cli.file_not_found", `No such file: ${file}`, 0);
  // sharp is native and only this command needs it: load it on first use.
  const { default: sharp } = await import("sharp");
  let bytes: Buffer;
  try {
    bytes = await sharp(file, { failOn: "error" })
      .rotate()
      .resize({ width: QUERY_LONGEST_SIDE, height: QUERY_LONGEST_SIDE, fit: "inside", withoutEnlargement: true })
      .flatten({ background: "#ffffff" })
      .jpeg({ quality: QUALITY })
      .toBuffer();
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new ApiError("image.invalid", `${file} is not a picture vos can read (${reason}): use a JPEG, PNG, WebP, GIF, TIFF or AVIF file.`, 0);
  }
  return { bytes, name: `${path.basename(file, path.extname(file))}.jpg`, type: "image/jpeg" };
}
