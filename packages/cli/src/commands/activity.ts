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
  if (now.deadLetters.length > 0) {
    out.push("", "Dead letters (send one back with `vos redrive <id>`):");
    out.push(
      table(
        ["id", "died", "video", "segment", "reason"],
        now.deadLetters.map((d) => [d.id, d.failedAt?.slice(0, 19).replace("T", " ") ?? "-", (d.videoTitle ?? `${d.videoId} (deleted)`).slice(0, 30), d.segment === null ? "-" : d.segment + 1, d.reason.slice(0, 80)]),
      ),
    );
  }
  process.stdout.write(out.join("\n") + "\n");
}

/** `vos redrive <id...>`: dead letters back to the jobs queue; their jobs run again with fresh attempts. */
export async function redrive(client: Client, ids: string[], options: { json: boolean }): Promise<void> {
  const sent = [];
  for (const id of ids) sent.push(await client.redrive(id));
  if (options.json) return printJson(sent);
  for (const letter of sent) {
    const segment = letter.segment === null ? "" : `, segment ${letter.segment + 1}`;
    process.stdout.write(`Redriven ${letter.id}: ${letter.videoTitle ?? letter.videoId}${segment} runs again (it died: ${letter.reason.slice(0, 120)}).\n`);
  }
}
