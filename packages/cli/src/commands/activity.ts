import type { Client } from "../client.js";
import { clock, printJson, table } from "../output.js";

/** `vos activity`: what the workers are doing, how fast, what is left and what failed. */
export async function activity(client: Client, options: { json: boolean }): Promise<void> {
  const now = await client.activity();
  if (options.json) return printJson(now);
  const { jobs, throughput } = now;
  const out: string[] = [
    `Jobs: ${jobs.queued} queued, ${jobs.running} running, ${jobs.failedLastDay} failed in the last day, ${jobs.succeededLastHour} done in the last hour.`,
    `Throughput over the last ${throughput.windowSec / 60} minutes: ${throughput.framesPerSec.toFixed(2)} frames/s, ${throughput.objectsPerSec.toFixed(2)} objects/s.`,
  ];
  if (now.workers.length > 0) {
    out.push("", "Workers:");
    out.push(
      table(
        ["task", "video", "segment", "stage", "frames", "attempt"],
        now.workers.map((w) => [w.taskId ?? "-", w.videoTitle.slice(0, 30), `${w.segment + 1}/${w.segments}`, w.stage, w.framesIndexed, w.attempt]),
      ),
    );
  }
  if (now.videos.length > 0) {
    out.push("", "Videos in progress:");
    out.push(
      table(
        ["video", "title", "status", "segments done", "indexed", "elapsed", "left"],
        now.videos.map((v) => [v.id, v.title.slice(0, 30), v.status, `${v.segments.succeeded}/${v.segments.total}`, `${Math.round(v.done * 100)}%`, clock(v.elapsedSec), v.etaSec === null ? "-" : clock(v.etaSec)]),
      ),
    );
  }
  if (now.failures.length > 0) {
    out.push("", "Recent failures:");
    out.push(table(["when", "video", "segment", "reason"], now.failures.map((f) => [f.at.slice(11, 19), f.videoTitle.slice(0, 30), f.segment + 1, `${f.code ?? "error"}: ${(f.message ?? "").slice(0, 80)}`])));
  }
  process.stdout.write(out.join("\n") + "\n");
}
