/**
 * Pictures searched for are kept for a while, named by their content, so a picture search can be
 * reloaded, shared as a link or run again with other filters without sending the picture again.
 *
 * What is kept is the picture as the search decoded it (upright, at most 448 px on its short side
 * and 4:1, picture-limits.ts) as a JPEG: at most about 0.4 MB whatever was sent (a 4 MB photo, a
 * TIFF a browser cannot show), so what one request can leave behind is bounded, and the search
 * itself embeds that JPEG, so a search by its id sees exactly the same pixels.
 *
 * Each is stored once per tenant as `_queries/<tenant>/<sha256>/picture.jpg` (a tenant id never
 * starts with `_`, so no tenant's own files share the folder) and kept QUERY_PICTURE_DAYS after
 * it was last sent: on AWS an S3 lifecycle rule on the uploads bucket's `_queries/` expires it,
 * embedded the runtime sweeps the folder (blob/file.ts removeOlderThan). Sending the same picture
 * again writes it again, which starts its days afresh.
 */
import { createHash } from "node:crypto";
import { buffer } from "node:stream/consumers";
import { z } from "zod";
import { decodeImage } from "../embedder/index.js";
import { VisibleError } from "../error.js";
import type { Services } from "../services.js";
import { loadSharp } from "../util/sharp.js";
import { QUERY_PICTURE_DAYS, QUERY_PICTURES_FOLDER } from "./query-picture-retention.js";

export { QUERY_PICTURE_DAYS, QUERY_PICTURES_FOLDER };

export const queryPictureIdSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "a picture id is the 64 hex digits a picture search answered with")
  .describe("a kept picture: the sha256 of its bytes");

export const queryPictureSchema = z
  .object({
    id: queryPictureIdSchema,
    url: z.string().describe("where a browser can fetch the picture, as kept: a JPEG of at most 448 px on its short side (on AWS a presigned URL valid for an hour)"),
  })
  .describe(`the picture searched for, kept ${QUERY_PICTURE_DAYS} days after it was last sent: search with its id again (POST /api/search/image/{id}) or put it in a link`);
export type QueryPicture = z.infer<typeof queryPictureSchema>;

const folderOf = (tenantId: string, id: string) => `${QUERY_PICTURES_FOLDER}/${tenantId}/${id}/`;

/**
 * The picture in the form that is kept and searched with: decoded with every picture check
 * (a refusal throws before anything is kept), as a JPEG.
 */
export async function keptForm(bytes: Uint8Array): Promise<Uint8Array> {
  const image = await decodeImage(bytes);
  const sharp = await loadSharp();
  const jpeg = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  return new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
}

/** Keeps a picture in its kept form (keptForm) and says how to find it again. */
export async function keepQueryPicture(svc: Services, tenantId: string, jpeg: Uint8Array): Promise<QueryPicture> {
  const id = createHash("sha256").update(jpeg).digest("hex");
  const key = `${folderOf(tenantId, id)}picture.jpg`;
  await svc.blobs.put(key, jpeg, { contentType: "image/jpeg" });
  return { id, url: await svc.blobs.url(key) };
}

/** A kept picture's bytes, or 404 search.picture_expired when it is not (or no longer) kept for this tenant. */
export async function loadQueryPicture(svc: Services, tenantId: string, id: string): Promise<{ bytes: Uint8Array; picture: QueryPicture }> {
  const [key] = await svc.blobs.list(folderOf(tenantId, id));
  if (!key) {
    throw new VisibleError(
      "search.picture_expired",
      `No picture with this id is kept: pictures searched for are kept ${QUERY_PICTURE_DAYS} days after they were last sent. Search with the picture itself again.`,
      404,
    );
  }
  return { bytes: new Uint8Array(await buffer(await svc.blobs.get(key))), picture: { id, url: await svc.blobs.url(key) } };
}
