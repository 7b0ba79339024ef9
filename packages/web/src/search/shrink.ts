/**
 * Pictures are shrunk in the browser before a picture search: on AWS the API sits behind a
 * gateway whose 6 MB Lambda event (base64-encoded) cannot carry a phone photo, and the model
 * looks at 224 px anyway. 1024 px on the longest side keeps plenty of detail and lands at a few
 * hundred KB as JPEG.
 */

export const MAX_SIDE = 1024;
export const JPEG_QUALITY = 0.85;

export interface Size {
  width: number;
  height: number;
}

/** The size that fits `maxSide` on the longest side, same aspect; never larger than the picture. */
export function fitWithin(size: Size, maxSide = MAX_SIDE): Size {
  const { width, height } = size;
  if (!(width > 0 && height > 0)) throw new RangeError(`A picture needs a positive size, not ${width}x${height}.`);
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** `IMG_0042.HEIC` -> `IMG_0042.jpg`; a pasted picture without a name -> `picture.jpg`. */
export function jpegName(name: string): string {
  const base = name.trim().replace(/\.[^./\\]*$/, "");
  return `${base || "picture"}.jpg`;
}

async function encodeJpeg(bitmap: ImageBitmap, size: Size): Promise<Blob> {
  const canvas = typeof OffscreenCanvas === "function" ? new OffscreenCanvas(size.width, size.height) : Object.assign(document.createElement("canvas"), size);
  const context = canvas.getContext("2d") as OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null;
  if (!context) throw new Error("no 2D canvas");
  // JPEG has no alpha: a transparent picture shows on white, as it does on the page.
  context.fillStyle = "#fff";
  context.fillRect(0, 0, size.width, size.height);
  context.imageSmoothingQuality = "high";
  context.drawImage(bitmap, 0, 0, size.width, size.height);
  if ("toBlob" in canvas) {
    return new Promise((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("the canvas gave no JPEG"))), "image/jpeg", JPEG_QUALITY),
    );
  }
  return canvas.convertToBlob({ type: "image/jpeg", quality: JPEG_QUALITY });
}

/**
 * The picture as sent: decoded with its EXIF orientation applied, at most `MAX_SIDE` px, as a
 * JPEG. A picture this browser cannot decode (TIFF, HEIC in most browsers) is sent as it is: the
 * server may still read it, and otherwise answers with its own reason.
 */
export async function shrinkPicture(picture: Blob, name: string): Promise<File | Blob> {
  if (typeof createImageBitmap !== "function") return picture;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(picture, { imageOrientation: "from-image" });
  } catch {
    return picture;
  }
  try {
    const jpeg = await encodeJpeg(bitmap, fitWithin(bitmap));
    return new File([jpeg], jpegName(name), { type: "image/jpeg" });
  } catch {
    // Out of canvas memory, say: the picture itself is still worth a try.
    return picture;
  } finally {
    bitmap.close();
  }
}
