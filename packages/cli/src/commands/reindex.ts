import type { ReindexStatus } from "@vos/contract";
import type { Client } from "../client.js";
import { printJson, table } from "../output.js";

/** One line per video of the run: what `--json` prints. */
const rows = (status: ReindexStatus) => status.videos.map((video) => ({ videoId: video.videoId, status: video.status, frames: video.frames, objects: video.objects }));

const counted = (done: number, total: number | null) => (total === null ? `${done}` : `${done}/${total}`);

function describe(status: ReindexStatus): string {
  const model = status.model?.name ?? "none yet";
  if (status.state === "idle") {
    const line = `The library's model is ${model}${status.toMove > 0 ? `; ${status.toMove} ready video(s) are indexed with another` : ""}.`;
    return status.configuredError ? `${line} The configured model cannot be loaded: ${status.configuredError.message}` : line;
  }
  const done = status.videos.filter((video) => video.status === "succeeded").length;
  const failed = status.videos.filter((video) => video.status === "failed").length;
  return `Re-indexing from ${model} to ${status.target!.name}: ${done} of ${status.videos.length} video(s) done${failed > 0 ? `, ${failed} failed` : ""}.`;
}

/**
 * `vos reindex`: moves the library to the configured model (or `--model`, a model the library
 * used before, on a server), re-embedding every video from its stored thumbnails and crops.
 * Searches keep answering with the old model until the switch. With `wait`, follows the run until
 * the library has switched or a job failed, printing progress on stderr.
 */
export async function reindex(client: Client, options: { model?: string; wait: boolean; json: boolean; pollMs?: number }): Promise<ReindexStatus> {
  let status = await client.startReindex(options.model);
  // Progress goes to stderr; an idle library is said once, on stdout, below.
  if (!options.json && status.state !== "idle") process.stderr.write(`${describe(status)}\n`);
  let last = "";
  while (options.wait && status.state === "running") {
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
    status = await client.reindexStatus();
    const line = describe(status);
    if (!options.json && line !== last && status.state === "running") process.stderr.write(`${line}\n`);
    last = line;
  }
  if (options.json) {
    printJson(rows(status));
    return status;
  }
  if (status.videos.length > 0) {
    process.stdout.write(
      `${table(
        ["video", "title", "status", "frames", "objects", "error"],
        status.videos.map((video) => [
          video.videoId,
          (video.title ?? "(deleted)").slice(0, 30),
          video.status,
          counted(video.frames, video.totalFrames),
          counted(video.objects, video.totalObjects),
          (video.error ?? "").slice(0, 80),
        ]),
      )}\n`,
    );
  }
  const decoded = status.videos.filter((video) => video.source === "video").length;
  if (decoded > 0) process.stdout.write(`${decoded} video(s) were decoded again: their stored thumbnails are smaller than the model's input.\n`);
  const enlarged = status.videos.reduce((sum, video) => sum + video.enlarged, 0);
  if (enlarged > 0) process.stdout.write(`${enlarged} image(s) were smaller than the model's input and were enlarged to it.\n`);
  if (status.state === "idle") process.stdout.write(`${describe(status)}\n`);
  else if (status.state === "failed") process.stdout.write(`${describe(status)} The library stays on ${status.model?.name}; run \`vos reindex\` again to resume.\n`);
  return status;
}
