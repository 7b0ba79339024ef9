import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { ApiError } from "@vos/contract";
import { loadConfig } from "@vos/core";
import { containerOfFilename } from "@vos/core/media";

/** A file to upload, or an argument that named none (it fails with its reason). */
export type IngestInput = { file: string } | { file: string; error: ApiError };

/** Containers a folder walk picks up: the accepted ones (VOS_CONTAINERS, else the default list). */
function acceptedContainers(env: NodeJS.ProcessEnv): (container: string) => boolean {
  const accepted = loadConfig({ ...(env.VOS_CONTAINERS ? { VOS_CONTAINERS: env.VOS_CONTAINERS } : {}) }).media.containers;
  return accepted === "*" ? () => true : (container) => accepted.includes(container);
}

/** Video files under `dir`, by extension, sorted; hidden files and folders are skipped. */
async function videosUnder(dir: string, isVideo: (name: string) => boolean): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await videosUnder(full, isVideo)));
    else if (entry.isFile() && isVideo(entry.name)) found.push(full);
  }
  return found.sort();
}

/**
 * The files `vos ingest` was given: files as they are (the API judges them), folders walked
 * recursively for video files; a file named twice becomes two videos. A missing path, or a
 * folder without videos, stays in the list as a failure of its own, so the other files still go
 * and the exit code says something failed.
 */
export async function ingestInputs(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<IngestInput[]> {
  const accepts = acceptedContainers(env);
  const isVideo = (name: string) => {
    const container = containerOfFilename(name);
    return container !== undefined && accepts(container);
  };
  const inputs: IngestInput[] = [];
  for (const arg of args) {
    const info = await stat(arg).catch(() => undefined);
    if (!info) inputs.push({ file: arg, error: new ApiError("cli.file_not_found", `No such file or folder: ${arg}`, 0) });
    else if (!info.isDirectory()) inputs.push({ file: arg });
    else {
      const files = await videosUnder(arg, isVideo);
      if (files.length === 0) inputs.push({ file: arg, error: new ApiError("cli.no_videos", `No video files in the folder ${arg} or its subfolders (looked for video extensions such as .mp4, .mov, .mkv).`, 0) });
      for (const file of files) inputs.push({ file });
    }
  }
  return inputs;
}
