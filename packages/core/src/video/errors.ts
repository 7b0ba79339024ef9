import { formatBytes, quoted, VisibleError } from "../error.js";

export class VideoNotFound extends VisibleError {
  constructor(id: string) {
    super("video.not_found", `No video with id '${id}'.`, 404);
  }
}

export class VideoWrongState extends VisibleError {
  constructor(id: string, status: string, action: string) {
    super("video.invalid_state", `Video '${id}' is ${status}; cannot ${action}.`, 409);
  }
}

/** Only a failed video whose uploaded file is still stored can be processed again. */
export class VideoNotRetryable extends VisibleError {
  constructor(id: string, reason: string) {
    super("video.not_retryable", `Video '${id}' cannot be retried: ${reason}`, 409);
  }
}

export const uploadErrors = {
  empty: () => new VisibleError("upload.empty", "The file is empty (0 bytes): choose a video file.", 400),
  tooLarge: (size: number, max: number) =>
    new VisibleError("upload.too_large", `The file is ${formatBytes(size)}; the largest accepted upload is ${formatBytes(max)}.`, 413),
  unsupportedType: (type: string) =>
    new VisibleError("upload.unsupported_type", `Content type ${quoted(type)} is not a video: send video/* (or application/octet-stream).`, 415),
  sizeMismatch: (declared: number, received: number) =>
    new VisibleError("upload.size_mismatch", `Received ${formatBytes(received)} but the upload declared ${formatBytes(declared)}: send the whole file again.`, 400),
  invalidRange: (range: string) =>
    new VisibleError("upload.invalid_range", `Content-Range ${quoted(range)} is not 'bytes start-end/total' within the file.`, 400),
  offsetMismatch: (start: number, expected: number) =>
    new VisibleError("upload.offset_mismatch", `This chunk starts at byte ${start} but ${formatBytes(expected)} have arrived: resume from byte ${expected}.`, 409),
  unsupportedContainer: (filename: string, container: string, accepted: readonly string[]) =>
    new VisibleError(
      "upload.unsupported_container",
      `${quoted(filename)} is a ${container} file, which is not accepted here; accepted containers: ${accepted.join(", ")}.`,
      415,
    ),
  missing: (id: string) => new VisibleError("upload.missing", `Video '${id}' has no uploaded file yet: upload it before completing.`, 409),
  stored: (id: string) =>
    new VisibleError("upload.stored", `Video '${id}' has its whole file already: complete the upload (POST /api/videos/${id}/complete).`, 409),
};

/**
 * Bad input (a media.* error: not a video, corrupt, too long...) removes the upload when it fails
 * the job: the same file would fail the same way. Any other failure keeps it for a retry. Lists
 * read this from the error code instead of asking the blob store about every failed video.
 */
export const failureRemovesUpload = (code: string) => code.startsWith("media.");
