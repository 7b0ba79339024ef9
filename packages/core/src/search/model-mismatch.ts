/**
 * Search is honest about what it cannot see: a video whose vectors another model made than the
 * one answering lives in that model's vector set, so no query of this model reaches it. The
 * answer then says how many videos that is and which models made them, instead of looking empty.
 */
import { z } from "zod";
import * as Library from "../library/index.js";
import type { Services } from "../services.js";
import * as Video from "../video/index.js";

export const modelMismatchSchema = z
  .object({
    code: z.literal("search.model_mismatch"),
    message: z.string(),
    videos: z.number().int().describe("ready videos this search could not reach"),
    model: z.object({ key: z.string(), name: z.string() }).describe("the model that answered"),
    others: z.array(z.object({ key: z.string(), name: z.string(), videos: z.number().int() })).describe("the models those videos were indexed with"),
  })
  .nullable()
  .describe("set when some ready videos were indexed with another model than the one answering: they are not in these hits until they are indexed again");
export type ModelMismatch = z.infer<typeof modelMismatchSchema>;

/** Null when every ready video of the tenant was indexed with the model answering its searches. */
export async function modelMismatch(svc: Services, tenantId: string): Promise<ModelMismatch> {
  // One read of the library: the model that answers and whether a re-index runs.
  const lib = await Library.library(svc.db, tenantId);
  const { identity } = await Library.embedderFor(svc, tenantId, lib);
  const others = await Video.otherModels(svc.db, tenantId, identity.key);
  if (others.length === 0) return null;
  const videos = others.reduce((sum, other) => sum + other.videos, 0);
  const names = others.map((other) => `${other.name} (${other.videos} video${other.videos === 1 ? "" : "s"})`).join(", ");
  const one = videos === 1;
  const running = Boolean(lib?.targetKey);
  const what = running
    ? `A re-index is running: ${one ? "it is" : "they are"} searched once it has finished.`
    : `${one ? "It is" : "They are"} not searched until the library is re-indexed (vos reindex, or Re-index in the web app).`;
  return {
    code: "search.model_mismatch",
    message: `${videos} ready video${one ? " was" : "s were"} indexed with another model than the one answering (${identity.name}): ${names}. ${what}`,
    videos,
    model: { key: identity.key, name: identity.name },
    others,
  };
}
