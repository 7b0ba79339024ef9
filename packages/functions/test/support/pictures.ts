/** Pictures and multipart bodies for the picture-search size tests. */
import sharp from "sharp";
import { mulberry32 } from "../../../core/scripts/seeded-random.js";

/**
 * A real JPEG of seeded noise: noise barely compresses (about 1 byte a pixel at quality 95), so
 * the size follows from the dimensions and every machine makes the same bytes.
 */
export async function noiseJpeg(width: number, height: number, seed = 1): Promise<Buffer> {
  const random = mulberry32(seed);
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(random() * 256);
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
}

/** The multipart body and its Content-Type, exactly as fetch would send the form. */
export async function multipart(form: FormData): Promise<{ bytes: Buffer; contentType: string }> {
  const request = new Request("http://localhost/", { method: "POST", body: form });
  return { bytes: Buffer.from(await request.arrayBuffer()), contentType: request.headers.get("content-type")! };
}

/** A picture search form: the picture plus every other field at its longest. */
export function searchForm(picture: Uint8Array, name = "photo.jpg"): FormData {
  const form = new FormData();
  form.set("image", new Blob([new Uint8Array(picture)], { type: "image/jpeg" }), name);
  form.set("videoId", "v".repeat(100));
  form.set("limit", "100");
  form.set("minScore", "-0.123456789");
  form.set("kinds", "frame,object");
  return form;
}
