import { and, eq, ne } from "drizzle-orm";
import type { Services } from "../services.js";
import { videoTable, type VideoRow } from "./video.sql.js";

/**
 * Deletes a dropped video's file (it lives at its own key, outside the video's folder) unless a
 * video of a newer version at that key still uses it. Returns the number of files deleted.
 */
export async function releaseDroppedFile(svc: Services, video: VideoRow): Promise<number> {
  if (!video.sourceEtag) return 0;
  const [holder] = await svc.db
    .select({ id: videoTable.id })
    .from(videoTable)
    .where(and(eq(videoTable.tenantId, video.tenantId), eq(videoTable.blobKey, video.blobKey), ne(videoTable.id, video.id)))
    .limit(1);
  if (holder) return 0;
  if (!(await svc.blobs.stat(video.blobKey))) return 0;
  await svc.blobs.delete(video.blobKey);
  return 1;
}
