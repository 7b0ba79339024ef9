/**
 * The drop folder: a file put under `incoming/<tenant>/` in the uploads bucket by any tool
 * (`aws s3 cp`, `aws s3 sync`, the console) becomes a video of that tenant, processed like an
 * upload. The file stays at its key, so a second `aws s3 sync` skips it; it is the video's source
 * and goes when the video is deleted.
 *
 * Idempotent per (tenant, key, ETag): S3 reports an object at least once, and the same bytes put
 * again have the same ETag. A new ETag at a key is a new version of the file: it becomes a new
 * video and replaces the one registered from the earlier version (whose frames and vectors no
 * longer match what the key holds).
 */
import { and, eq, isNotNull, ne } from "drizzle-orm";
import { TENANT_PATTERN } from "../auth/index.js";
import type { VisibleError } from "../error.js";
import { containerOfFilename } from "../media/containers.js";
import type { Services } from "../services.js";
import { createId } from "../util/id.js";
import { uploadErrors } from "./errors.js";
import { complete } from "./processing.js";
import { get, remove, type VideoView } from "./videos.js";
import { videoTable, type VideoRow } from "./video.sql.js";

export const DROP_PREFIX = "incoming/";
/**
 * API uploads live at `<tenant>/videos/<id>/...`, so the tenant `incoming` keeps its uploads
 * under `incoming/videos/`: that folder is never a drop (nor, therefore, is the tenant `videos`).
 */
const RESERVED_TENANT = "videos";

/** A key the drop folder does not register, and why. */
export interface DropSkipped {
  ok: false;
  /** ignored: not a drop at all (another folder, a folder marker); rejected: a drop that cannot be registered. */
  outcome: "ignored" | "rejected";
  reason: string;
}
export interface DropKey {
  ok: true;
  tenantId: string;
  /** The key below the tenant's folder, e.g. `holiday/clip.mp4`. */
  path: string;
  filename: string;
}

/** Reads `incoming/<tenant>/<any/path/name.ext>` (an object key, not URL-encoded). */
export function parseDropKey(key: string): DropKey | DropSkipped {
  if (!key.startsWith(DROP_PREFIX)) return { ok: false, outcome: "ignored", reason: `'${key}' is outside the drop folder (${DROP_PREFIX}).` };
  if (key.endsWith("/")) return { ok: false, outcome: "ignored", reason: `'${key}' is a folder marker, not a file.` };
  const rest = key.slice(DROP_PREFIX.length);
  const slash = rest.indexOf("/");
  if (slash < 0) {
    return { ok: false, outcome: "rejected", reason: `'${key}' names no tenant: put files under ${DROP_PREFIX}<tenant>/.` };
  }
  const tenantId = rest.slice(0, slash);
  if (!TENANT_PATTERN.test(tenantId)) {
    return {
      ok: false,
      outcome: "rejected",
      reason: `'${tenantId}' in '${key}' is not a tenant id (1-63 lower-case letters, digits and '-', starting with a letter or digit).`,
    };
  }
  if (tenantId === RESERVED_TENANT) {
    return { ok: false, outcome: "ignored", reason: `'${key}' is under ${DROP_PREFIX}${RESERVED_TENANT}/, where the tenant 'incoming' keeps its API uploads.` };
  }
  const path = rest.slice(slash + 1);
  return { ok: true, tenantId, path, filename: path.slice(path.lastIndexOf("/") + 1) };
}

/** What S3 says about the object now (HeadObject or a listing). */
export interface DroppedObject {
  key: string;
  sizeBytes: number;
  /** With or without S3's quotes. */
  etag: string;
  contentType?: string;
}

export type DropOutcome =
  | DropSkipped
  /** Registered and its job queued, now or by this delivery after an earlier one failed to. */
  | { ok: true; outcome: "queued"; video: VideoView }
  /** Registered as a failed video: the user sees why. */
  | { ok: true; outcome: "failed"; video: VideoView }
  /** Already registered by an earlier delivery. */
  | { ok: true; outcome: "duplicate"; videoId: string };

/** Size and name checks `Video.create` makes before any byte moves, as a failed video's error. */
function refusal(svc: Services, object: DroppedObject, filename: string): VisibleError | undefined {
  if (object.sizeBytes === 0) return uploadErrors.empty();
  if (object.sizeBytes > svc.settings.maxUploadBytes) return uploadErrors.tooLarge(object.sizeBytes, svc.settings.maxUploadBytes);
  const accepted = svc.settings.media?.containers;
  const container = containerOfFilename(filename);
  if (container && accepted && accepted !== "*" && !accepted.includes(container)) return uploadErrors.unsupportedContainer(filename, container, accepted);
  return undefined;
}

async function findDrop(svc: Services, tenantId: string, key: string, etag: string): Promise<VideoRow | undefined> {
  const [found] = await svc.db
    .select()
    .from(videoTable)
    .where(and(eq(videoTable.tenantId, tenantId), eq(videoTable.blobKey, key), eq(videoTable.sourceEtag, etag)));
  return found;
}

/** Titles keep the folder for context; a very deep path keeps its end. */
const titleOf = (path: string) => (path.length <= 200 ? path : `…${path.slice(-199)}`);

/**
 * Registers the object at `object.key` (as S3 describes it now) as a video of the tenant its key
 * names, and queues its job as `complete` does; a file too large, empty or in a container not
 * accepted becomes a failed video with its reason. Any number of deliveries for the same
 * (tenant, key, ETag) register it once, also when they race; a delivery after one that failed
 * half-way finishes its work. Throws only on errors worth retrying (database, queue).
 */
export async function registerDrop(svc: Services, object: DroppedObject): Promise<DropOutcome> {
  const parsed = parseDropKey(object.key);
  if (!parsed.ok) return parsed;
  const { tenantId, filename } = parsed;
  const etag = object.etag.replaceAll('"', "");

  let video = await findDrop(svc, tenantId, object.key, etag);
  let created = false;
  if (!video) {
    const refused = refusal(svc, object, filename);
    const [inserted] = await svc.db
      .insert(videoTable)
      .values({
        id: createId("vid"),
        tenantId,
        title: titleOf(parsed.path),
        filename,
        contentType: object.contentType || "application/octet-stream",
        status: refused ? "failed" : "uploading",
        sizeBytes: object.sizeBytes,
        blobKey: object.key,
        sourceEtag: etag,
        ...(refused ? { errorCode: refused.code, errorMessage: refused.message } : {}),
      })
      .onConflictDoNothing({ target: [videoTable.tenantId, videoTable.blobKey, videoTable.sourceEtag] })
      .returning();
    created = inserted !== undefined;
    // Losing the race to another delivery leaves its row: carry on with that one.
    video = inserted ?? (await findDrop(svc, tenantId, object.key, etag));
    if (!video) throw new Error(`drop of '${object.key}' was registered and removed at once; try again`);
  }

  let outcome: DropOutcome;
  if (video.status === "uploading") {
    // The file is whole already: completing queues the job. A send that fails leaves the video
    // uploading, and the next delivery completes it.
    const view = await complete(svc, tenantId, video.id);
    outcome = { ok: true, outcome: "queued", video: view };
  } else if (created && video.status === "failed") {
    outcome = { ok: true, outcome: "failed", video: await get(svc, tenantId, video.id) };
  } else {
    outcome = { ok: true, outcome: "duplicate", videoId: video.id };
  }
  // Also on a duplicate: an earlier delivery may have failed before it got here.
  await replaceEarlierVersions(svc, video);
  return outcome;
}

/** Removes the videos registered from earlier versions of the same key (their frames and vectors). */
async function replaceEarlierVersions(svc: Services, video: VideoRow): Promise<void> {
  const earlier = await svc.db
    .select()
    .from(videoTable)
    .where(and(eq(videoTable.tenantId, video.tenantId), eq(videoTable.blobKey, video.blobKey), isNotNull(videoTable.sourceEtag), ne(videoTable.id, video.id)));
  for (const old of earlier) {
    // `remove` keeps the file: the new video holds its key now.
    await remove(svc, old.tenantId, old.id);
    svc.log.info("dropped file replaced", { videoId: old.id, by: video.id, key: video.blobKey });
  }
}

/**
 * The object at `key` is gone (deleted before its event was handled): a video registered from it
 * that never got its job (the delivery failed half-way) goes too, so nothing waits for it forever.
 */
export async function forgetDrop(svc: Services, key: string): Promise<number> {
  const parsed = parseDropKey(key);
  if (!parsed.ok) return 0;
  const gone = await svc.db
    .delete(videoTable)
    .where(and(eq(videoTable.tenantId, parsed.tenantId), eq(videoTable.blobKey, key), isNotNull(videoTable.sourceEtag), eq(videoTable.status, "uploading")))
    .returning({ id: videoTable.id });
  return gone.length;
}
