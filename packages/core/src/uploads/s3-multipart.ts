import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { z } from "zod";
import { mapFailures, storageUnavailable } from "../blob/s3.js";
import { VisibleError } from "../error.js";
import type { UploadSubject, UploadTarget, UploadTargets } from "./upload-targets.js";

const MiB = 1024 * 1024;
/** S3's limits: parts of 5 MiB to 5 GiB, at most 10,000 of them. */
const MIN_PART_BYTES = 5 * MiB;
const MAX_PARTS = 10_000;

/**
 * Part size for a file: 16 MiB (few requests, quick retries of a lost part), grown in whole MiB
 * when the file would otherwise need more than 10,000 parts.
 */
export function partSize(sizeBytes: number, preferred = 16 * MiB): number {
  const needed = Math.ceil(sizeBytes / MAX_PARTS / MiB) * MiB;
  return Math.max(MIN_PART_BYTES, preferred, needed);
}

/** Where the upload id of a video's unfinished multipart upload is kept until it completes. */
const stateKey = (video: UploadSubject) => `${video.blobKey.slice(0, video.blobKey.lastIndexOf("/") + 1)}upload.json`;
const UploadState = z.object({ uploadId: z.string().min(1), partBytes: z.number().int(), partCount: z.number().int() });

export interface S3UploadTargetsOptions {
  s3: S3Client;
  bucket: string;
  /** Lifetime of the part URLs; default 12 hours (a large file on a slow line). */
  urlTtlSec?: number;
  preferredPartBytes?: number;
}

/**
 * Uploads straight from the browser to S3: `start` opens a multipart upload and presigns a PUT
 * for every part; the client sends the parts (any order, retrying any that fail) and completes
 * with their ETags; `complete` assembles the object. The bytes never pass through the API. The
 * upload id is kept beside the video's file, so no table needs to know about S3, and `renew`
 * can presign the same upload's parts again for a client whose URLs expired.
 */
export function createS3UploadTargets(options: S3UploadTargetsOptions): UploadTargets {
  const { s3, bucket } = options;
  const ttl = options.urlTtlSec ?? 12 * 3600;

  async function readState(video: UploadSubject) {
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: stateKey(video) }));
      return UploadState.parse(JSON.parse(await object.Body!.transformToString()));
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e?.name === "NoSuchKey" || e?.$metadata?.httpStatusCode === 404) return undefined;
      throw error;
    }
  }

  /** A PUT URL for every part of the upload (signing is local: no request to S3). */
  async function presigned(video: UploadSubject, state: z.infer<typeof UploadState>): Promise<UploadTarget> {
    const parts = await Promise.all(
      Array.from({ length: state.partCount }, async (_, i) => ({
        partNumber: i + 1,
        url: await getSignedUrl(s3, new UploadPartCommand({ Bucket: bucket, Key: video.blobKey, UploadId: state.uploadId, PartNumber: i + 1 }), {
          expiresIn: ttl,
        }),
      })),
    );
    return { kind: "multipart", uploadId: state.uploadId, partBytes: state.partBytes, parts };
  }

  const targets: UploadTargets = {
    async start(video) {
      const partBytes = partSize(video.sizeBytes, options.preferredPartBytes);
      const partCount = Math.max(1, Math.ceil(video.sizeBytes / partBytes));
      const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: video.blobKey, ContentType: video.contentType }));
      const uploadId = created.UploadId!;
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: stateKey(video),
          Body: JSON.stringify({ uploadId, partBytes, partCount }),
          ContentType: "application/json",
        }),
      );
      return presigned(video, { uploadId, partBytes, partCount });
    },

    async renew(video) {
      const state = await readState(video);
      if (!state) {
        throw new VisibleError("upload.not_started", `Video '${video.id}' has no unfinished upload to send parts to: register the file again.`, 409);
      }
      return presigned(video, state);
    },

    async complete(video, parts) {
      const state = await readState(video);
      if (!state) return; // nothing started: the caller reports the missing file
      if (!parts || parts.length === 0) {
        throw new VisibleError("upload.parts_required", "Complete this upload with the parts you sent: { parts: [{ partNumber, etag }] } (each PUT's ETag response header).", 400);
      }
      const numbers = new Set(parts.map((part) => part.partNumber));
      const absent = Array.from({ length: state.partCount }, (_, i) => i + 1).filter((n) => !numbers.has(n));
      if (absent.length > 0 || numbers.size !== parts.length || parts.some((part) => part.partNumber > state.partCount)) {
        throw new VisibleError(
          "upload.parts_mismatch",
          `This upload has parts 1-${state.partCount}; ${absent.length > 0 ? `parts ${absent.slice(0, 10).join(", ")}${absent.length > 10 ? ", ..." : ""} are missing` : "the list has duplicates or unknown parts"}: send them, then complete again.`,
          400,
        );
      }
      try {
        await s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: video.blobKey,
            UploadId: state.uploadId,
            MultipartUpload: {
              Parts: [...parts].sort((a, b) => a.partNumber - b.partNumber).map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })),
            },
          }),
        );
      } catch (error) {
        const name = (error as { name?: string }).name ?? "";
        if (["InvalidPart", "InvalidPartOrder", "EntityTooSmall", "NoSuchUpload"].includes(name)) {
          throw new VisibleError("upload.parts_mismatch", `S3 refused to assemble the upload (${name}): send every part again, then complete with their ETags.`, 400);
        }
        throw error;
      }
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: stateKey(video) }));
    },

    async abort(video) {
      const state = await readState(video);
      if (!state) return;
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: video.blobKey, UploadId: state.uploadId })).catch((error: { name?: string }) => {
        if (error?.name !== "NoSuchUpload") throw error;
      });
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: stateKey(video) }));
    },
  };
  // S3 asking to slow down or failing on its side answers 503 storage.unavailable, not 500.
  return mapFailures(targets, storageUnavailable);
}
