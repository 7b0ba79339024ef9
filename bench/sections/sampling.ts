/**
 * Frames kept by the project's sampler (DEFAULT_SAMPLING: 1 fps cap, scene cuts, near-duplicate
 * drop, a frame at least every 10 s) versus plain 1 fps (the same decoder with scene detection and
 * dedup off) on two generated videos with planted events: (a) a static scene, where the sampler
 * should keep far fewer frames, and (b) a cut-heavy video, where it should keep a frame of every
 * shot. An event is found when a kept frame lies inside it. The sampler must find every planted
 * event: the section fails otherwise.
 */
import { DEFAULT_SAMPLING, probe, sampleFrames, type SamplingOptions } from "@vos/core/media";
import path from "node:path";
import { round } from "../support/stats.js";
import { contains, cutHeavyVideo, eventSpan, staticSceneVideo, WIDTH, type BenchVideo } from "../support/videos.js";
import type { BenchContext, SectionResult, Table } from "../types.js";

/** VOS_FRAME_WIDTH's default: frames are decoded at this width before sampling. */
const FRAME_WIDTH = WIDTH;
const PLAIN_1FPS: SamplingOptions = { fps: 1, sceneThreshold: 0, dedup: false, maxGapSec: DEFAULT_SAMPLING.maxGapSec };

interface Kept {
  timeSec: number;
  reason: string;
}

interface MethodRun {
  kept: Kept[];
  ms: number;
}

async function sample(file: string, options: SamplingOptions): Promise<MethodRun> {
  const info = await probe(file, { maxBytes: 1e10, maxDurationSec: 1e6 });
  const started = performance.now();
  const kept: Kept[] = [];
  for await (const frame of sampleFrames(file, info, { width: FRAME_WIDTH, ...options })) kept.push({ timeSec: frame.timeSec, reason: frame.reason });
  return { kept, ms: performance.now() - started };
}

const byReason = (kept: Kept[]) => {
  const counts: Record<string, number> = {};
  for (const frame of kept) counts[frame.reason] = (counts[frame.reason] ?? 0) + 1;
  return counts;
};

export async function run(context: BenchContext): Promise<SectionResult> {
  const dir = path.join(context.cacheDir, "videos");
  context.progress("generating videos (first run only)");
  const videos: BenchVideo[] = [await staticSceneVideo(dir), await cutHeavyVideo(dir)];
  const summary: Table = {
    title: "Frames kept and planted events found (an event is found when a kept frame lies inside it)",
    columns: ["video", "method", "frames kept", "vs 1 fps", "events found", "shots with a frame", "sampling ms"],
    rows: [],
  };
  const eventsTable: Table = {
    title: "Planted events: the kept frame inside each (seconds), per method",
    columns: ["video", "event", "start s", "end s", "sampler", "1 fps"],
    rows: [],
  };
  const metrics: Record<string, unknown> = {};
  const missed: string[] = [];

  for (const video of videos) {
    context.progress(`sampling ${video.name}`);
    const sampler = await sample(video.file, DEFAULT_SAMPLING);
    const plain = await sample(video.file, PLAIN_1FPS);
    const found = (run: MethodRun) => video.events.map((event) => run.kept.find((frame) => contains(event, frame.timeSec)));
    const samplerFound = found(sampler);
    const plainFound = found(plain);
    const shotsCovered = (run: MethodRun) => video.shots?.filter((shot) => run.kept.some((frame) => contains(shot, frame.timeSec))).length;
    const events = video.events.length;
    for (const [method, run, hits] of [
      ["project sampler (defaults)", sampler, samplerFound],
      ["plain 1 fps", plain, plainFound],
    ] as const) {
      const covered = shotsCovered(run);
      summary.rows.push([
        video.name,
        method,
        run.kept.length,
        `${round((100 * run.kept.length) / plain.kept.length, 0)}%`,
        `${hits.filter(Boolean).length}/${events}`,
        covered === undefined ? null : `${covered}/${video.shots!.length}`,
        round(run.ms, 0),
      ]);
    }
    video.events.forEach((event, i) => {
      const span = eventSpan(event);
      eventsTable.rows.push([
        video.name,
        event.name,
        span.startSec.toFixed(2),
        span.endSec.toFixed(2),
        samplerFound[i]?.timeSec.toFixed(2) ?? "MISSED",
        plainFound[i]?.timeSec.toFixed(2) ?? "missed",
      ]);
      if (!samplerFound[i]) missed.push(`${video.name}: ${event.name} (${span.startSec.toFixed(2)}-${span.endSec.toFixed(2)} s)`);
    });
    metrics[video.name] = {
      description: video.description,
      sampler: {
        framesKept: sampler.kept.length,
        byReason: byReason(sampler.kept),
        eventsFound: samplerFound.filter(Boolean).length,
        shotsWithAFrame: shotsCovered(sampler) ?? null,
        ms: round(sampler.ms, 0),
        keptTimesSec: sampler.kept.map((frame) => round(frame.timeSec, 3)),
      },
      plain1fps: {
        framesKept: plain.kept.length,
        eventsFound: plainFound.filter(Boolean).length,
        shotsWithAFrame: shotsCovered(plain) ?? null,
        ms: round(plain.ms, 0),
      },
      events: video.events.map((event, i) => ({
        name: event.name,
        ...eventSpan(event),
        samplerFrameSec: samplerFound[i]?.timeSec ?? null,
        plain1fpsFrameSec: plainFound[i]?.timeSec ?? null,
      })),
      shots: video.shots?.length ?? null,
    };
  }
  if (missed.length > 0) {
    throw new Error(`The project's sampler missed ${missed.length} planted event(s): ${missed.join("; ")}. Frames kept: ${JSON.stringify(metrics)}`);
  }
  return {
    title: "Sampling: the project's sampler (defaults) vs plain 1 fps on videos with planted events",
    settings: {
      sampler: DEFAULT_SAMPLING,
      plain1fps: PLAIN_1FPS,
      frameWidth: FRAME_WIDTH,
      videos: videos.map((video) => ({ name: video.name, description: video.description, file: path.relative(context.repoRoot, video.file) })),
    },
    metrics,
    tables: [summary, eventsTable],
    notes: [
      "Plain 1 fps looks at whole seconds: it finds a 1 s event always and a 0.5 s event only when it spans a whole-second mark (here the red and magenta flashes do).",
      "Sampling ms is the wall time of one ffmpeg decode with the sampler on it, 640 px wide frames, on a shared machine.",
    ],
  };
}
