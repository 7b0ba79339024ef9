import type { Client } from "../client.js";
import { bytes, clock, printJson, table } from "../output.js";

export async function videos(client: Client, options: { json: boolean }): Promise<void> {
  const list = await client.listVideos();
  if (options.json) return printJson(list);
  if (list.length === 0) {
    process.stdout.write("No videos yet. Add one with: vos ingest <file>\n");
    return;
  }
  process.stdout.write(
    table(
      ["id", "title", "status", "length", "size", "frames", "objects", "model", "note"],
      list.map((v) => {
        const stage = v.job?.progress.stage;
        const segments = v.job && v.job.segments.total > 1 ? v.job.segments : undefined;
        const partly = segments && segments.succeeded < segments.total ? `partly indexed (${segments.succeeded}/${segments.total} segments)` : "";
        const working = v.status === "processing" && stage ? [partly, `stage: ${stage}`].filter(Boolean).join(", ") : "";
        const note = v.error ? [`${v.error.code}: ${v.error.message}`, partly].filter(Boolean).join("; ") : working;
        return [v.id, v.title.slice(0, 40), v.status, clock(v.durationSec), bytes(v.sizeBytes), v.frameCount, v.objectCount, v.model?.name.slice(0, 30) ?? "", note];
      }),
    ) + "\n",
  );
}

export async function remove(client: Client, id: string, options: { json: boolean }): Promise<void> {
  const result = await client.deleteVideo(id);
  if (options.json) return printJson(result);
  process.stdout.write(`Deleted ${result.deleted} (${result.vectors} vectors, ${result.files} files).\n`);
}
