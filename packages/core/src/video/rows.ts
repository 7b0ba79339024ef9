/** What the video modules share: finding a tenant's video, its storage keys, the accepted types. */
import { and, eq } from "drizzle-orm";
import type { Services } from "../services.js";
import { VideoNotFound } from "./errors.js";
import { videoTable, type VideoRow } from "./video.sql.js";

/** Content types an upload may declare: video/*, or a generic binary stream. */
export const VIDEO_TYPE = /^(video\/[a-z0-9.+-]+|application\/octet-stream)$/i;

function extensionOf(filename: string): string {
  const match = /\.([a-z0-9]{1,8})$/i.exec(filename);
  return match ? `.${match[1]!.toLowerCase()}` : "";
}

export const sourceKey = (tenantId: string, videoId: string, filename: string) => `${tenantId}/videos/${videoId}/source${extensionOf(filename)}`;
export const videoPrefix = (tenantId: string, videoId: string) => `${tenantId}/videos/${videoId}/`;

/** A tenant's video by id; another tenant's is as unknown as a missing one. */
export async function row(svc: Services, tenantId: string, id: string): Promise<VideoRow> {
  const [found] = await svc.db.select().from(videoTable).where(and(eq(videoTable.tenantId, tenantId), eq(videoTable.id, id)));
  if (!found) throw new VideoNotFound(id);
  return found;
}
