import { access } from "node:fs/promises";
import path from "node:path";
import { MultiBar, Presets } from "cli-progress";
import type { Video } from "@vos/core";
import { ApiError, type Client } from "../client.js";
import { printJson, table } from "../output.js";

export interface IngestResult {
  file: string;
  videoId: string | null;
  status: "ready" | "failed" | Video.VideoView["status"];
  frames: number;
  error?: { code: string; message: string };
}

const FINAL = new Set(["ready", "failed"]);

/** Overall fraction of a video's processing, from its per-stage progress. */
function fraction(video: Video.VideoView): number {
  if (video.status === "ready") return 1;
  const stages = video.job?.progress.stages;
  if (!stages) return 0;
  return 0.05 * stages.probe + 0.35 * stages.sample + 0.35 * stages.embed + 0.25 * stages.index;
}

/**
 * Uploads each file and, with `wait`, follows processing until every video is ready or failed.
 * A file the API refuses up front (empty, too large) is reported failed without a video.
 */
export async function ingest(client: Client, files: string[], options: { title?: string; wait: boolean; json: boolean; pollMs?: number }): Promise<IngestResult[]> {
  const bars = options.json || !process.stderr.isTTY ? undefined : new MultiBar({ format: "{name} |{bar}| {percentage}% {stage}", hideCursor: true, stream: process.stderr }, Presets.shades_classic);
  const results: IngestResult[] = [];
  const progressBars: (ReturnType<MultiBar["create"]> | undefined)[] = [];
  for (const file of files) {
    const name = path.basename(file).slice(0, 28).padEnd(28);
    const bar = bars?.create(100, 0, { name, stage: "uploading" });
    progressBars.push(bar);
    try {
      await access(file).catch(() => {
        throw new ApiError("cli.file_not_found", `No such file: ${file}`, 0);
      });
      const video = await client.uploadFile(file, {
        ...(options.title ? { title: files.length > 1 ? `${options.title} (${path.basename(file)})` : options.title } : {}),
        onProgress: (sent, total) => bar?.update(Math.round((sent / Math.max(1, total)) * 100), { stage: "uploading" }),
      });
      results.push({ file, videoId: video.id, status: video.status, frames: video.frameCount });
      bar?.update(0, { stage: "queued" });
    } catch (error) {
      const problem = error instanceof ApiError ? { code: error.code, message: error.message } : { code: "cli.error", message: String(error) };
      results.push({ file, videoId: null, status: "failed", frames: 0, error: problem });
      bar?.update(0, { stage: `failed: ${problem.code}` });
    }
  }

  if (options.wait) {
    const bySlot = results.map((result, i) => ({ result, bar: progressBars[i] }));
    for (;;) {
      const open = bySlot.filter(({ result }) => result.videoId && !FINAL.has(result.status));
      if (open.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
      for (const slot of open) {
        const video = await client.getVideo(slot.result.videoId!);
        slot.result.status = video.status;
        slot.result.frames = video.frameCount;
        if (video.status === "failed" && video.error) slot.result.error = video.error;
        const stage = video.status === "processing" ? (video.job?.progress.stage ?? "processing") : video.status;
        slot.bar?.update(Math.round(fraction(video) * 100), { stage: `${stage} (${video.frameCount} frames)` });
      }
    }
  }
  bars?.stop();

  if (options.json) {
    printJson(results.map(({ videoId, status, frames, error, file }) => ({ videoId, status, frames, file, ...(error ? { error } : {}) })));
  } else {
    process.stdout.write(
      table(
        ["video", "file", "status", "frames", "error"],
        results.map((r) => [r.videoId ?? "-", path.basename(r.file), r.status, r.frames, r.error ? `${r.error.code}: ${r.error.message}` : ""]),
      ) + "\n",
    );
    if (!options.wait && results.some((r) => r.status === "queued")) {
      process.stdout.write("Queued. Processing runs in `vos serve` (or pass --wait to process now).\n");
    }
  }
  return results;
}
