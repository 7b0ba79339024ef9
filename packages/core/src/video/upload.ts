/** A local upload's bytes: the whole file, or ordered chunks assembled when the last arrives. */
import type { Readable } from "node:stream";
import { BlobTooLarge } from "../blob/blob-store.js";
import type { Services } from "../services.js";
import { localChunks } from "../uploads/local.js";
import type { UploadTarget } from "../uploads/upload-targets.js";
import { uploadErrors, VideoWrongState } from "./errors.js";
import { row, VIDEO_TYPE, videoPrefix } from "./rows.js";
import type { VideoRow } from "./video.sql.js";

/** The chunks of an unfinished local upload wait beside the video, under `upload/`. */
const chunks = (svc: Services, video: VideoRow) => localChunks(svc.blobs, `${videoPrefix(video.tenantId, video.id)}upload/`);

/** Bytes of a local upload that arrived so far: the whole file, or the chunks received. */
export async function received(svc: Services, tenantId: string, id: string): Promise<{ received: number; sizeBytes: number }> {
  const video = await row(svc, tenantId, id);
  const whole = await svc.blobs.stat(video.blobKey);
  if (whole) return { received: whole.size, sizeBytes: video.sizeBytes };
  return { received: await chunks(svc, video).received(), sizeBytes: video.sizeBytes };
}

/**
 * Streams the file, or one chunk of it (`contentRange` = `bytes start-end/total`), into the blob
 * store. Each write is all or nothing and sizes must match what `create` declared, so a cut
 * connection or an oversized body leaves no partial file; chunks must arrive in order, and
 * the last one assembles the file.
 */
export async function upload(
  svc: Services,
  tenantId: string,
  id: string,
  body: Readable,
  options: { contentType?: string; contentRange?: string } = {},
): Promise<{ received: number; sizeBytes: number }> {
  const video = await row(svc, tenantId, id);
  if (video.status !== "uploading") throw new VideoWrongState(id, video.status, "upload");
  const type = options.contentType?.split(";")[0]!.trim();
  if (type && !VIDEO_TYPE.test(type)) throw uploadErrors.unsupportedType(options.contentType!);
  if (!options.contentRange) {
    await putExactly(svc, video, video.blobKey, body, video.sizeBytes);
    await chunks(svc, video).drop();
    return { received: video.sizeBytes, sizeBytes: video.sizeBytes };
  }
  const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(options.contentRange.trim());
  if (!range) throw uploadErrors.invalidRange(options.contentRange);
  const [start, end, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
  if (total !== video.sizeBytes) throw uploadErrors.sizeMismatch(video.sizeBytes, total);
  if (end < start || end >= total) throw uploadErrors.invalidRange(options.contentRange);
  const { received: offset } = await received(svc, tenantId, id);
  if (offset === total) throw new VideoWrongState(id, "fully uploaded", "upload more bytes");
  if (start !== offset) throw uploadErrors.offsetMismatch(start, offset);
  await putExactly(svc, video, chunks(svc, video).key(start), body, end - start + 1);
  if (end + 1 < total) return { received: end + 1, sizeBytes: total };
  // Last chunk: assemble the file, then drop the chunks.
  await chunks(svc, video).assemble(video.blobKey, { contentType: video.contentType, maxBytes: total });
  return { received: total, sizeBytes: total };
}

/** Writes exactly `size` bytes to `key`, or nothing with a specific error. */
async function putExactly(svc: Services, video: VideoRow, key: string, body: Readable, size: number): Promise<void> {
  let stored: number;
  try {
    ({ size: stored } = await svc.blobs.put(key, body, { contentType: video.contentType, maxBytes: Math.min(size, svc.settings.maxUploadBytes) }));
  } catch (error) {
    if (error instanceof BlobTooLarge) {
      throw size < svc.settings.maxUploadBytes ? uploadErrors.sizeMismatch(size, error.maxBytes + 1) : uploadErrors.tooLarge(error.maxBytes + 1, svc.settings.maxUploadBytes);
    }
    throw error;
  }
  if (stored !== size) {
    await svc.blobs.delete(key);
    throw stored === 0 ? uploadErrors.empty() : uploadErrors.sizeMismatch(size, stored);
  }
}

/**
 * Where to send the rest of an unfinished upload, with fresh URLs (S3 presigned URLs expire; the
 * multipart upload and the parts already sent stay). Only a video still uploading has one; a file
 * already whole only needs completing.
 */
export async function renewUpload(svc: Services, tenantId: string, id: string): Promise<UploadTarget> {
  const video = await row(svc, tenantId, id);
  if (video.status !== "uploading") throw new VideoWrongState(id, video.status, "send more of its upload");
  if (await svc.blobs.stat(video.blobKey)) throw uploadErrors.stored(id);
  return svc.uploads.renew(video);
}
