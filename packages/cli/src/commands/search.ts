import type { Search } from "@vos/core";
import type { Client } from "../client.js";
import { clock, printJson, table } from "../output.js";

export interface SearchOptions {
  image?: string;
  video?: string;
  limit?: number;
  minScore?: number;
  json: boolean;
}

/** Words, a picture, or both (the picture wins: it is the more specific query). */
export async function search(client: Client, text: string | undefined, options: SearchOptions): Promise<Search.SearchHit[]> {
  const filters = {
    ...(options.video ? { videoId: options.video } : {}),
    ...(options.limit ? { limit: options.limit } : {}),
    ...(options.minScore !== undefined ? { minScore: options.minScore } : {}),
  };
  const hits = options.image ? await client.searchImage(options.image, filters) : await client.search({ text: text ?? "", ...filters });
  const shown = hits.map((hit) => ({ ...hit, thumbnailUrl: client.absolute(hit.thumbnailUrl) }));
  if (options.json) {
    printJson(shown.map(({ videoId, kind, timeSec, start, end, score, thumbnailUrl }) => ({ videoId, kind, timeSec, start, end, score, thumbnailUrl })));
  } else if (shown.length === 0) {
    process.stdout.write("No matches.\n");
  } else {
    process.stdout.write(
      table(
        ["#", "video", "moment", "best", "score"],
        shown.map((hit, i) => [i + 1, hit.videoId, `${clock(hit.start)}-${clock(hit.end)}`, clock(hit.timeSec), hit.score.toFixed(3)]),
      ) + "\n",
    );
  }
  return hits;
}
