import { z } from "zod";
import { boxSchema } from "../object/index.js";

const common = {
  videoId: z.string(),
  videoTitle: z.string(),
  timeSec: z.number().describe("where the player seeks: the best frame's time"),
  start: z.number().describe("start of the moment, seconds"),
  end: z.number().describe("end of the moment, seconds"),
  score: z.number().describe("cosine similarity to the query"),
  frameNo: z.number().int(),
  thumbnailUrl: z.string(),
};

export const frameHitSchema = z.object({ kind: z.literal("frame"), ...common });

export const objectHitSchema = z.object({
  kind: z.literal("object"),
  ...common,
  objectId: z.string(),
  label: z.string().describe("the detector's label"),
  detectorScore: z.number(),
  box: boxSchema,
  trackId: z.string().describe("the track the object belongs to (see GET /api/videos/{id}/tracks)"),
  labelMatch: z.boolean().describe("the query named this object's label"),
});

/** A search result, best first (also its OpenAPI schema). */
export const hitSchema = z.discriminatedUnion("kind", [frameHitSchema, objectHitSchema]);
export type SearchHit = z.infer<typeof hitSchema>;
export type FrameSearchHit = z.infer<typeof frameHitSchema>;
export type ObjectSearchHit = z.infer<typeof objectHitSchema>;
