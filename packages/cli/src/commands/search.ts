import type { SearchHit } from "@vos/contract";
import type { Client } from "../client.js";
import { clock, printJson, table } from "../output.js";

export interface SearchOptions {
  /** A picture to search with, already made small (pictureForSearch). */
  picture?: { bytes: Uint8Array; name: string; type: string };
  video?: string;
  limit?: number;
  minScore?: number;
  kinds?: ("frame" | "object")[];
  /** Leave out videos still being processed. */
  readyOnly?: boolean;
  json: boolean;
}

/** Words, a picture, or both (the picture wins: it is the more specific query). */
export async function search(client: Client, text: string | undefined, options: SearchOptions): Promise<SearchHit[]> {
  const filters = {
    ...(options.video ? { videoId: options.video } : {}),
    ...(options.limit ? { limit: options.limit } : {}),
    ...(options.minScore !== undefined ? { minScore: options.minScore } : {}),
    ...(options.kinds ? { kinds: options.kinds } : {}),
    ...(options.readyOnly ? { includeProcessing: false } : {}),
  };
  const { hits, modelMismatch } = options.picture ? await client.searchImage(options.picture, filters) : await client.search({ text: text ?? "", ...filters });
  // On stderr: --json output stays the hits alone.
  if (modelMismatch) process.stderr.write(`Note: ${modelMismatch.message}\n`);
  const shown = hits.map((hit) => ({ ...hit, thumbnailUrl: client.absolute(hit.thumbnailUrl) }));
  if (options.json) {
    printJson(
      shown.map((hit) => {
        const { videoId, kind, timeSec, start, end, score, thumbnailUrl } = hit;
        const base = { videoId, kind, timeSec, start, end, score, thumbnailUrl };
        return hit.kind === "object" ? { ...base, objectId: hit.objectId, label: hit.label, box: hit.box, trackId: hit.trackId, detections: hit.detections } : base;
      }),
    );
  } else if (shown.length === 0) {
    process.stdout.write("No matches.\n");
  } else {
    process.stdout.write(
      table(
        ["#", "video", "moment", "best", "score", "what", "title"],
        shown.map((hit, i) => [
          i + 1,
          hit.videoId,
          `${clock(hit.start)}-${clock(hit.end)}`,
          clock(hit.timeSec),
          hit.score.toFixed(3),
          hit.kind === "object" ? `${hit.label} ${hit.objectId}${hit.labelMatch ? " (label)" : ""}` : "frame",
          hit.videoTitle.slice(0, 40),
        ]),
      ) + "\n",
    );
  }
  return hits;
}
