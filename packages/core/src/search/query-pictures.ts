/**
 * Pictures searched for are kept for a while, named by their content, so a picture search can be
 * reloaded, shared as a link or run again with other filters without sending the picture again.
 *
 * Each is stored once per tenant as `_queries/<tenant>/<sha256>/picture.<format>` (a tenant id never
 * starts with `_`, so no tenant's own files share the folder) and kept QUERY_PICTURE_DAYS after
 * it was last sent: on AWS an S3 lifecycle rule on the uploads bucket's `_queries/` expires it,
 * embedded the runtime sweeps the folder (blob/file.ts removeOlderThan). Sending the same picture
 * again writes it again, which starts its days afresh.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
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
    url: z.string().describe("where a browser can fetch the picture (on AWS a presigned URL valid for an hour)"),
  })
  .describe(`the picture searched for, kept ${QUERY_PICTURE_DAYS} days after it was last sent: search with its id again (POST /api/search/image/{id}) or put it in a link`);
export type QueryPicture = z.infer<typeof queryPictureSchema>;

/** What sharp's header reader calls the accepted formats, as file extensions. */
const EXTENSIONS: Record<string, string> = { jpeg: "jpg", png: "png", webp: "webp", gif: "gif", heif: "avif", avif: "avif", tiff: "tiff" };

const folderOf = (tenantId: string, id: string) => `${QUERY_PICTURES_FOLDER}/${tenantId}/${id}/`;

/** Keeps a picture that was searched for (it passed the picture checks) and says how to find it again. */
export async function keepQueryPicture(svc: Services, tenantId: string, bytes: Uint8Array): Promise<QueryPicture> {
  const id = createHash("sha256").update(bytes).digest("hex");
  const sharp = await loadSharp();
  const { format } = await sharp(bytes).metadata();
  const key = `${folderOf(tenantId, id)}picture.${EXTENSIONS[format ?? ""] ?? "bin"}`;
  await svc.blobs.put(key, bytes);
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
  const chunks: Buffer[] = [];
  for await (const chunk of await svc.blobs.get(key)) chunks.push(chunk as Buffer);
  return { bytes: new Uint8Array(Buffer.concat(chunks)), picture: { id, url: await svc.blobs.url(key) } };
}
