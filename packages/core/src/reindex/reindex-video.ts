/**
 * One video's vectors made again with another model, from what ingest kept: each frame and each
 * embedded object, without detecting anything again. The frame and object rows stay as they
 * are, and the new vectors get the same ids and metadata in the new model's vector set, so a
 * repeated or resumed run overwrites rather than duplicates, and the old model's set is left
 * untouched (it keeps answering searches).
 *
 * The images come from the stored thumbnails and crops when they are at least the model's input
 * (its image processor's crop, `inputSize`); thumbnails are 320 px wide, so a 16:9 video's are
 * 180 px high, below every model's input. Then the video is decoded again (./decoded-images.ts)
 * and each frame and crop is what ingest embedded. A video whose file cannot be read falls back
 * to its stored images, enlarged to the input as CLIP's preprocessing enlarges any small picture;
 * `smallImages` counts the images below the input either way.
 */
import { buffer } from "node:stream/consumers";
import type { Box } from "../detector/types.js";
import type { Embedder, RgbImage } from "../embedder/types.js";
import * as Frame from "../frame/index.js";
import * as Objects from "../object/index.js";
import type { Services } from "../services.js";
import { loadSharp } from "../util/sharp.js";
import { vectorEntry, type VectorRecord } from "../vector/vector-index.js";
import * as Video from "../video/index.js";
import { decodedImages, type DecodedImages } from "./decoded-images.js";

/** Where a re-index took its images: the stored thumbnails and crops, or the video decoded again. */
export type ReindexSource = "stored" | "video";

export interface ReindexedVideo {
  frames: number;
  objects: number;
  /** Images whose short side is below the model's input size (enlarged to it). */
  smallImages: number;
  source: ReindexSource;
}

export interface ReindexVideoOptions {
  /** The model's input size (its image processor's crop): images below it are counted, and thumbnails below it make the video decode again. */
  inputSize?: number;
  /** False: the stored images however small (default true: the video decoded again when its thumbnails are below `inputSize`). */
  decode?: boolean;
  /** Images embedded per call and vectors per upsert; default 16. */
  batchSize?: number;
  signal?: AbortSignal;
  /** Items (each frame, then its objects, in a fixed order) an earlier attempt finished: not done again. */
  skip?: number;
  /** Before each batch's vectors are written: throws to stop (the video was deleted meanwhile). */
  beforeWrite?(): Promise<void>;
  /** After each batch is written: how many of the video's frames and objects are done (awaited: a checkpoint). */
  onProgress?(done: ReindexProgress): void | Promise<void>;
}

export interface ReindexProgress {
  frames: number;
  objects: number;
  totalFrames: number;
  totalObjects: number;
  /** Of the images done by this call, those below `inputSize`. */
  smallImages: number;
  source: ReindexSource;
}

interface Item {
  /** The stored image. */
  key: string;
  timeSec: number;
  /** An object's box in its frame. */
  box?: Box;
  record: Omit<VectorRecord, "values">;
}

export async function reindexVideo(svc: Services, tenantId: string, videoId: string, embedder: Embedder, options: ReindexVideoOptions = {}): Promise<ReindexedVideo> {
  const index = await svc.vectors.index(embedder.identity, embedder.dimension);
  const frames = (await Frame.listForVideo(svc.db, videoId)).filter((frame) => frame.tenantId === tenantId);
  const objects = (await Objects.listForVideo(svc.db, tenantId, videoId)).filter((object) => object.embedded);
  const objectsOf = new Map<number, typeof objects>();
  for (const object of objects) {
    const same = objectsOf.get(object.frameNo);
    if (same) same.push(object);
    else objectsOf.set(object.frameNo, [object]);
  }
  // Time order, each frame followed by its objects: the order a decoding pass gives them in.
  const objectItem = (object: (typeof objects)[number], timeSec: number): Item => {
    const box = { x: object.boxX, y: object.boxY, w: object.boxW, h: object.boxH };
    return { key: object.cropKey, timeSec, box, record: vectorEntry.object(videoId, { ...object, box }) };
  };
  const sorted = frames.sort((a, b) => a.frameNo - b.frameNo);
  const items: Item[] = sorted.flatMap((frame) => [
    { key: frame.thumbnailKey, timeSec: frame.timeSec, record: vectorEntry.frame(videoId, frame) },
    ...(objectsOf.get(frame.frameNo) ?? []).map((object) => objectItem(object, frame.timeSec)),
  ]);
  // An object whose frame row is gone still gets its vector, from its stored crop.
  const framed = new Set(sorted.map((frame) => frame.frameNo));
  items.push(...objects.filter((object) => !framed.has(object.frameNo)).map((object) => objectItem(object, Number.NEGATIVE_INFINITY)));
  const batchSize = Math.max(1, options.batchSize ?? 16);
  const skip = Math.min(items.length, Math.max(0, options.skip ?? 0));
  const decoded = skip < items.length ? await fromVideo(svc, tenantId, videoId, frames[0]?.thumbnailKey, options) : undefined;
  const source: ReindexSource = decoded ? "video" : "stored";
  const done: ReindexProgress = { frames: 0, objects: 0, totalFrames: frames.length, totalObjects: objects.length, smallImages: 0, source };
  for (const item of items.slice(0, skip)) done[item.record.metadata.kind === "frame" ? "frames" : "objects"]++;
  try {
    for (let start = skip; start < items.length; start += batchSize) {
      options.signal?.throwIfAborted();
      const batch = items.slice(start, start + batchSize);
      const images: RgbImage[] = [];
      // In order: the decoding pass only moves forward.
      for (const item of batch) images.push((await decoded?.imageAt(item.timeSec, item.box)) ?? (await decodeStored(svc, item.key)));
      if (options.inputSize) done.smallImages += images.filter((image) => Math.min(image.width, image.height) < options.inputSize!).length;
      const vectors = await embedder.embedImages(images);
      await options.beforeWrite?.();
      await index.upsert(
        tenantId,
        batch.map((item, i) => ({ ...item.record, values: vectors[i]! })),
      );
      for (const item of batch) done[item.record.metadata.kind === "frame" ? "frames" : "objects"]++;
      await options.onProgress?.({ ...done });
    }
  } finally {
    await decoded?.close();
  }
  return { frames: done.frames, objects: done.objects, smallImages: done.smallImages, source };
}

/**
 * The video decoded again when its stored thumbnails are below the model's input (judged by the
 * first one: a video's thumbnails share one size); undefined when they are not, or when the
 * video's file cannot be read (its stored images are used then).
 */
async function fromVideo(svc: Services, tenantId: string, videoId: string, thumbnailKey: string | undefined, options: ReindexVideoOptions): Promise<DecodedImages | undefined> {
  if (!options.inputSize || !thumbnailKey || options.decode === false) return undefined;
  const sharp = await loadSharp();
  const { width = 0, height = 0 } = await sharp(await buffer(await svc.blobs.get(thumbnailKey))).metadata();
  if (Math.min(width, height) >= options.inputSize) return undefined;
  const video = await Video.find(svc, videoId);
  if (!video || video.tenantId !== tenantId) return undefined;
  try {
    return await decodedImages(svc, video.blobKey, options.signal);
  } catch (error) {
    options.signal?.throwIfAborted();
    svc.log.warn("the video cannot be decoded again: re-indexing from its stored images", { videoId, error });
    return undefined;
  }
}

/** A stored JPEG (thumbnail or crop) as packed rgb24. */
async function decodeStored(svc: Services, key: string): Promise<RgbImage> {
  const bytes = await buffer(await svc.blobs.get(key));
  const sharp = await loadSharp();
  const { data, info } = await sharp(bytes).removeAlpha().toColourspace("srgb").raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}
