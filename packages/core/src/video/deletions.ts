/**
 * Deletions a crash cut short. `remove` marks the video `deleting` before it removes anything, so
 * a process that ends part-way (a Lambda timing out on a slow vector store, a killed `vos serve`)
 * leaves a row that says so, with some of its vectors and files still there. Nothing else would
 * finish it (the web app offers no delete for a video being deleted), so the embedded runtime's
 * start and the cloud's reconciler run the same idempotent `remove` again.
 */
import { and, eq, lt } from "drizzle-orm";
import { errorMessage } from "../error.js";
import type { Services } from "../services.js";
import { VideoNotFound } from "./errors.js";
import { videoTable } from "./video.sql.js";
import { remove } from "./videos.js";

/** Longer than any API request runs (API Gateway ends them at 29 s): a deletion older than this was cut short. */
export const DELETION_GRACE_MS = 10 * 60_000;
/** Videos one call finishes; the rest wait for the next. */
const BATCH = 100;

/**
 * Finishes the deletions marked before `startedBefore` (all of them when not given: a process
 * that holds the data folder alone knows every mark is an earlier process's). A deletion that
 * fails again stays marked for the next call.
 */
export async function finishDeletions(svc: Services, options: { startedBefore?: Date } = {}): Promise<{ deleted: number; failed: number }> {
  const rows = await svc.db
    .select({ id: videoTable.id, tenantId: videoTable.tenantId })
    .from(videoTable)
    .where(and(eq(videoTable.status, "deleting"), options.startedBefore ? lt(videoTable.updatedAt, options.startedBefore) : undefined))
    .orderBy(videoTable.updatedAt)
    .limit(BATCH);
  const result = { deleted: 0, failed: 0 };
  for (const video of rows) {
    try {
      await remove(svc, video.tenantId, video.id);
      result.deleted++;
    } catch (error) {
      if (error instanceof VideoNotFound) continue; // finished meanwhile by another request
      result.failed++;
      svc.log.warn("a deletion cut short could not be finished; it is tried again later", { videoId: video.id, error: errorMessage(error) });
    }
  }
  if (result.deleted + result.failed > 0) svc.log.info("deletions cut short finished", result);
  return result;
}
