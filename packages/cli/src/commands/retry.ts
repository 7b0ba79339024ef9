import type { VideoView } from "@vos/contract";
import type { Client } from "../client.js";
import { printJson } from "../output.js";

const FINAL = new Set(["ready", "failed"]);

/**
 * Processes a failed video again from its stored upload; with `wait`, follows it until it is
 * ready or failed. Returns the video as last seen.
 */
export async function retry(client: Client, id: string, options: { wait: boolean; json: boolean; pollMs?: number }): Promise<VideoView> {
  let video = await client.retryVideo(id);
  if (!options.json) process.stderr.write(`${video.id} is ${video.status}${options.wait ? "; waiting until it is ready or failed" : ""}.\n`);
  while (options.wait && !FINAL.has(video.status)) {
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
    video = await client.getVideo(id);
  }
  if (options.json) printJson(video);
  else if (video.status === "failed" && video.error) process.stdout.write(`${video.id} failed again: ${video.error.code}: ${video.error.message}\n`);
  else process.stdout.write(`${video.id} ${video.status}${video.status === "ready" ? ` (${video.frameCount} frames)` : ""}\n`);
  return video;
}
