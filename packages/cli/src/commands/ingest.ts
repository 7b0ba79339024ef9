import path from "node:path";
import { MultiBar, Presets } from "cli-progress";
import type { VideoView } from "@vos/contract";
import { errorMessage, isVisibleError } from "@vos/core/error";
import { ApiError, type Client } from "../client.js";
import type { IngestInput } from "../ingest-inputs.js";
import { bytes, printJson, table } from "../output.js";
import { createLimiter } from "../upload/limiter.js";
import type { ResumeStore } from "../upload/resume-store.js";
import { uploadFile } from "../upload/upload-file.js";

export interface IngestResult {
  file: string;
  videoId: string | null;
  status: "ready" | "failed" | VideoView["status"];
  frames: number;
  error?: { code: string; message: string };
}

const FINAL = new Set(["ready", "failed"]);

/** Overall fraction of a video's processing, from its per-stage progress. */
function fraction(video: VideoView): number {
  if (video.status === "ready") return 1;
  const stages = video.job?.progress.stages;
  if (!stages) return 0;
  return 0.05 * stages.probe + 0.35 * stages.sample + 0.35 * stages.embed + 0.25 * stages.index;
}

export interface IngestOptions {
  title?: string;
  wait: boolean;
  json: boolean;
  /** Files uploaded at once, and requests in flight across them (default 4). */
  concurrency?: number;
  /** Where unfinished uploads are remembered, so a run after a kill resumes them. */
  resume?: ResumeStore;
  /** Who receives the uploads (API URL or data folder), for the resume records. */
  apiIdentity?: string;
  pollMs?: number;
}

/**
 * Uploads the files (folders walked for videos), `concurrency` at a time and at most that many
 * requests in flight, and with `wait` follows processing until every video is ready or failed.
 * A file the API refuses up front (empty, too large) is reported failed without a video.
 */
export async function ingest(client: Client, inputs: IngestInput[], options: IngestOptions): Promise<IngestResult[]> {
  const bars = options.json || !process.stderr.isTTY ? undefined : new MultiBar({ format: "{name} |{bar}| {percentage}% {stage}", hideCursor: true, stream: process.stderr }, Presets.shades_classic);
  const note = (message: string) => (bars ? bars.log(`${message}\n`) : process.stderr.write(`${message}\n`));
  const concurrency = options.concurrency ?? 4;
  const requests = createLimiter(concurrency);
  const files = createLimiter(concurrency);
  const uploads = inputs.filter((input) => !("error" in input)).length;
  // A file named twice is two uploads; only the first may keep a resume record (they would share it).
  const firstOfFile = inputs.map((input, i) => inputs.findIndex((other) => path.resolve(other.file) === path.resolve(input.file)) === i);
  const progressBars = inputs.map((input) => bars?.create(100, 0, { name: path.basename(input.file).slice(0, 28).padEnd(28), stage: "waiting" }));
  const results: IngestResult[] = await Promise.all(
    inputs.map((input, i) =>
      files.run(async (): Promise<IngestResult> => {
        const bar = progressBars[i];
        const { file } = input;
        try {
          if ("error" in input) throw input.error;
          const uploaded = await uploadFile(client, file, {
            ...(options.title ? { title: uploads > 1 ? `${options.title} (${path.basename(file)})` : options.title } : {}),
            limiter: requests,
            ...(options.resume && firstOfFile[i] ? { resume: options.resume } : {}),
            ...(options.apiIdentity ? { apiIdentity: options.apiIdentity } : {}),
            onNote: note,
            onProgress: (sent, total) => bar?.update(Math.floor((sent / Math.max(1, total)) * 100), { stage: `uploading ${bytes(sent)} of ${bytes(total)}` }),
          });
          bar?.update(0, { stage: uploaded.video.status });
          return { file, videoId: uploaded.video.id, status: uploaded.video.status, frames: uploaded.video.frameCount };
        } catch (error) {
          // Every failure names its code: the API's, a refusal of core's (an in-process full disk), else cli.error.
          const problem = error instanceof ApiError || isVisibleError(error) ? { code: error.code, message: error.message } : { code: "cli.error", message: errorMessage(error) };
          bar?.update(0, { stage: `failed: ${problem.code}` });
          return { file, videoId: null, status: "failed", frames: 0, error: problem };
        }
      }),
    ),
  );

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
        const segments = video.job && video.job.segments.total > 1 ? `, ${video.job.segments.succeeded}/${video.job.segments.total} segments` : "";
        slot.bar?.update(Math.round(fraction(video) * 100), { stage: `${stage} (${video.frameCount} frames${segments})` });
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
