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

/** An object hit is a track: its best-ranked detection's moment and box, the track's start and end. */
export const objectHitSchema = z.object({
  kind: z.literal("object"),
  ...common,
  timeSec: z.number().describe("where the player seeks: the time of the detection that matched best"),
  start: z.number().describe("the track's first moment, seconds"),
  end: z.number().describe("the end of the track's last sampled frame, seconds"),
  frameNo: z.number().int().describe("the frame of the detection that matched best"),
  objectId: z.string().describe("the detection that matched best (one hit per track)"),
  label: z.string().describe("the detector's label"),
  detectorScore: z.number(),
  box: boxSchema.describe("the object's box at timeSec"),
  trackId: z.string().describe("the track the object belongs to (see GET /api/videos/{id}/tracks)"),
  detections: z.number().int().describe("detections along the track: sampled frames the object is seen in"),
  labelMatch: z.boolean().describe("the query named this object's label"),
});

/** A search result, best first (also its OpenAPI schema). */
export const hitSchema = z.discriminatedUnion("kind", [frameHitSchema, objectHitSchema]);
export type SearchHit = z.infer<typeof hitSchema>;
export type FrameSearchHit = z.infer<typeof frameHitSchema>;
export type ObjectSearchHit = z.infer<typeof objectHitSchema>;
