import { pipeline as connect, Readable, Transform } from "node:stream";
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { BlobTooLarge, type BlobInfo, type BlobStore } from "./blob-store.js";
import { errorMessage, VisibleError } from "../error.js";

export interface S3BlobStoreOptions {
  s3: S3Client;
  /** Uploaded videos (and upload bookkeeping). */
  uploadsBucket: string;
  /** Everything made from a video: frame thumbnails, object crops. */
  framesBucket: string;
  /** Lifetime of URLs given to browsers (thumbnails, playback); default 1 hour. */
  urlTtlSec?: number;
  /**
   * Lifetime of the URL ffprobe and ffmpeg read the source through; default 12 hours, longer
   * than any job. A URL signed with a task role's temporary credentials stops working when they
   * expire: ffmpeg's next read then fails, and the attempt is retried with a fresh URL.
   */
  sourceUrlTtlSec?: number;
}

/**
 * Keys of things made from a video (`<tenant>/videos/<id>/frames/...`, `.../objects/...`) live in
 * the frames bucket; the upload (`.../source.mp4`) and its bookkeeping (`.../upload...`) in the
 * uploads bucket.
 */
export const isDerivedKey = (key: string) => {
  const match = /^[^/]+\/videos\/[^/]+\/(.+)$/.exec(key);
  return match !== null && !/^(source|upload)/.test(match[1]!);
};

/** How long the URL ffmpeg reads a source through lasts (12 hours: longer than any job). */
export const SOURCE_URL_TTL_SEC = 12 * 3600;

/** S3's answers that mean "try later" (after the SDK's own retries), and connections that failed. */
const TRY_LATER = new Set(["SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "ThrottlingException", "TimeoutError"]);
const NETWORK = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * S3 failing in a way that waiting fixes is `storage.unavailable` (503, transient for a job), not
 * an internal error; anything else (a missing object, a refused part) is returned as it is.
 */
export function storageUnavailable(error: unknown): unknown {
  if (error instanceof VisibleError) return error;
  const e = error as { name?: string; code?: string; $fault?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const status = e?.$metadata?.httpStatusCode;
  const transient =
    TRY_LATER.has(e?.name ?? "") || NETWORK.has(e?.code ?? "") || e?.$fault === "server" || status === 429 || (status !== undefined && status >= 500);
  if (!transient) return error;
  const what = e?.name && e.name !== "Error" ? `${e.name}: ` : "";
  return new VisibleError("storage.unavailable", `File storage (S3) is not answering: try again in a minute. (${what}${errorMessage(error)})`, 503, false);
}

/** Every method of `target` with its failures passed through `map` (one place, not each call). */
export function mapFailures<T extends object>(target: T, map: (error: unknown) => unknown): T {
  const mapped = { ...target } as Record<string, unknown>;
  for (const [name, value] of Object.entries(target)) {
    if (typeof value !== "function") continue;
    mapped[name] = async (...args: unknown[]) => {
      try {
        return await (value as (...a: unknown[]) => unknown).apply(target, args);
      } catch (error) {
        throw map(error);
      }
    };
  }
  return mapped as T;
}

/** `list` and `deletePrefix` take a folder: `a/b` means `a/b/`, never `a/bc` (as in the file store). */
const folderOf = (prefix: string) => (prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`);

const isNotFound = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "NotFound" || e?.name === "NoSuchKey" || e?.$metadata?.httpStatusCode === 404;
};

/**
 * Blobs in two private S3 buckets, routed by key: uploads in one, derived files in the other, so
 * each can have its own lifecycle and access. Browsers get presigned GET URLs (nothing is
 * public); ffprobe and ffmpeg read the source through a presigned URL with range requests, so a
 * worker reads the part of the video its segment needs (and the container's index), never a
 * copy of the whole upload on its disk. A prefix (a whole video) spans both buckets.
 */
export function createS3BlobStore(options: S3BlobStoreOptions): BlobStore {
  const { s3 } = options;
  const urlTtl = options.urlTtlSec ?? 3600;
  const bucketOf = (key: string) => (isDerivedKey(key) ? options.framesBucket : options.uploadsBucket);
  const buckets = [...new Set([options.uploadsBucket, options.framesBucket])];

  async function listIn(bucket: string, prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
      for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  const presign = (key: string, expiresIn: number) => getSignedUrl(s3, new GetObjectCommand({ Bucket: bucketOf(key), Key: key }), { expiresIn });

  const store: BlobStore = {
    async put(key, body, putOptions = {}) {
      const bucket = bucketOf(key);
      if (body instanceof Uint8Array) {
        if (putOptions.maxBytes !== undefined && body.length > putOptions.maxBytes) throw new BlobTooLarge(putOptions.maxBytes);
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: putOptions.contentType }));
        return { size: body.length, ...(putOptions.contentType ? { contentType: putOptions.contentType } : {}) };
      }
      // Streams go up in parts; a failure (or a body over maxBytes) aborts the upload, so no
      // partial object is ever visible.
      let size = 0;
      let tooLarge: BlobTooLarge | undefined;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          size += chunk.length;
          if (putOptions.maxBytes !== undefined && size > putOptions.maxBytes) done((tooLarge = new BlobTooLarge(putOptions.maxBytes)));
          else done(null, chunk);
        },
      });
      // connect, not pipe: a body that closes early without an error (a cut connection) must fail
      // the upload too, not leave it waiting for an end that never comes.
      const upload = new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body: connect(body, counter, () => {}), ContentType: putOptions.contentType } });
      try {
        await upload.done();
      } catch (error) {
        await upload.abort().catch(() => {});
        throw tooLarge ?? error;
      }
      return { size, ...(putOptions.contentType ? { contentType: putOptions.contentType } : {}) };
    },

    async get(key, range) {
      const output = await s3.send(
        new GetObjectCommand({
          Bucket: bucketOf(key),
          Key: key,
          ...(range ? { Range: `bytes=${range.start}-${range.end ?? ""}` } : {}),
        }),
      );
      if (!output.Body) throw new Error(`S3 returned no body for ${key}`);
      return output.Body as Readable;
    },

    async stat(key): Promise<BlobInfo | undefined> {
      try {
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucketOf(key), Key: key }));
        return { size: head.ContentLength ?? 0, ...(head.ContentType ? { contentType: head.ContentType } : {}) };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    async delete(key) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucketOf(key), Key: key }));
    },

    async deletePrefix(prefix) {
      let deleted = 0;
      for (const bucket of buckets) {
        const keys = await listIn(bucket, folderOf(prefix));
        for (let i = 0; i < keys.length; i += 1000) {
          const chunk = keys.slice(i, i + 1000);
          const result = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }));
          if (result.Errors?.length) {
            const first = result.Errors[0]!;
            throw new Error(`S3 could not delete ${result.Errors.length} objects under ${prefix} (${first.Key}: ${first.Code} ${first.Message})`);
          }
          deleted += chunk.length;
        }
      }
      return deleted;
    },

    async list(prefix) {
      const all = await Promise.all(buckets.map((bucket) => listIn(bucket, folderOf(prefix))));
      return all.flat().sort();
    },

    // ffprobe and ffmpeg seek (an mp4's index may sit at the end): over HTTP, with range requests.
    async source(key) {
      if (!(await this.stat(key))) throw new Error(`no object ${key} in S3`);
      return presign(key, options.sourceUrlTtlSec ?? SOURCE_URL_TTL_SEC);
    },
    url: (key) => presign(key, urlTtl),
  };
  return mapFailures(store, storageUnavailable);
}
