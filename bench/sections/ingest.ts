/**
 * Ingest of a 60 s 720p video with the ViT-B/32-sized CLIP model and the object detector on, then
 * of two such videos at once: wall time, realtime factor, frames/s, each stage's busy time, the
 * overlap ratio (wall time / the busiest stage's busy time: 1.0 means the other stages hide
 * entirely behind it) and peak memory. Levers, side by side in the same run: every crop embedded
 * (VOS_TRACK_EMBED_SEC=0) against the default sparse embedding along tracks, with the recall of
 * the sparse set against the dense one (track-recall.ts), and the q8 CLIP.
 *
 * The video is a real photograph (a party: many people) under a slow zoom, so every sampled
 * frame differs and holds objects: detection, crops and crop embeddings all do real work.
 */
import { benchModelDir } from "../support/bench-model.js";
import { cliIngest } from "../support/cli-ingest.js";
import { freshIngest } from "../support/ingest-child.js";
import { ingestAtOnce, summary, type RunResult } from "../support/ingest-run.js";
import { round } from "../support/stats.js";
import { trackRecall } from "../support/track-recall.js";
import { zoomVideo } from "../support/zoom-video.js";
import type { BenchContext, SectionResult, Table } from "../types.js";

const SWEEP_SEC = [2, 8];

export async function run(context: BenchContext): Promise<SectionResult> {
  const seconds = context.quick ? 15 : 60;
  const model = await benchModelDir();
  const file = await zoomVideo(context, seconds);
  context.progress("every crop embedded");
  const dense = await ingestAtOnce(context, file, 1, model.dir, { VOS_TRACK_EMBED_SEC: "0" }, true);
  context.progress("sparse along tracks (the default)");
  const one = await ingestAtOnce(context, file, 1, model.dir, {}, true);
  // The default's neighbours: a crop every 2 s and every 8 s.
  const sweep: { sec: number; run: RunResult }[] = [];
  for (const sec of SWEEP_SEC) {
    context.progress(`sparse, a crop every ${sec} s`);
    sweep.push({ sec, run: await ingestAtOnce(context, file, 1, model.dir, { VOS_TRACK_EMBED_SEC: String(sec) }, true) });
  }
  context.progress("sparse, q8 CLIP");
  const q8 = await ingestAtOnce(context, file, 1, model.dir, { VOS_CLIP_DTYPE: "q8" });
  const two = await ingestAtOnce(context, file, 2, model.dir);
  context.progress("the default in a fresh process");
  const fresh = await freshIngest({ file, modelDir: model.dir, tmpDir: context.tmpDir, env: {} });
  context.progress("the default as a user runs it: vos ingest --wait");
  const cli = await cliIngest(context.repoRoot, context.tmpDir, file, { VOS_CLIP_MODEL: model.dir, VOS_DETECTOR: "centernet", VOS_DEDUP: "false" });
  const rows = [
    summary("every crop embedded (VOS_TRACK_EMBED_SEC=0)", dense),
    ...sweep.map(({ sec, run }) => summary(`a crop every ${sec} s (VOS_TRACK_EMBED_SEC=${sec})`, run)),
    summary("one video (default: a crop every 4 s along tracks)", one),
    summary("one video, q8 CLIP (VOS_CLIP_DTYPE=q8)", q8),
    summary("two videos at once (default)", two),
  ];
  // The same queries against every set: each track's first crop (embedded in all), every 10th frame.
  const firstOfTrack = new Map<string, string>();
  for (const [id, track] of dense.captured!.objects.tracks) if (!firstOfTrack.has(track)) firstOfTrack.set(track, id);
  const objectQueries = [...firstOfTrack.values()].flatMap((id) => (dense.captured!.objects.vectors.has(id) ? [dense.captured!.objects.vectors.get(id)!] : []));
  const frameQueries = dense.captured!.frames.filter((_, i) => i % 10 === 0);
  const KS = [1, 3, 5];
  const recallOf = (sparse: RunResult) =>
    Object.fromEntries(
      KS.map((k) => [
        `top${k}`,
        {
          similarObjects: trackRecall(dense.captured!.objects, sparse.captured!.objects, objectQueries, k),
          pictureOfFrame: trackRecall(dense.captured!.objects, sparse.captured!.objects, frameQueries, k),
        },
      ]),
    ) as Record<string, { similarObjects: ReturnType<typeof trackRecall>; pictureOfFrame: ReturnType<typeof trackRecall> }>;
  const recall = recallOf(one);
  const sweepRecall = [...sweep, { sec: 4, run: one }].sort((a, b) => a.sec - b.sec).map(({ sec, run }) => ({ sec, cropsEmbedded: run.embedded, recall: recallOf(run) }));
  const stageTable: Table = {
    title: "Busy time per stage (s) of the single-video run (default settings); work inside the stages below",
    columns: ["stage", "busy s", "share of wall"],
    rows: [
      ...Object.entries(one.pipelines[0]!.stageBusyMs).map(([stage, ms]) => [stage, round(ms / 1000), `${Math.round((100 * ms) / one.wallMs)}%`]),
      ...Object.entries(one.pipelines[0]!.workBusyMs).map(([work, ms]) => [`  ${work}`, round(ms / 1000), `${Math.round((100 * ms) / one.wallMs)}%`]),
    ],
  };
  const strip = (r: RunResult) => ({ pipelines: r.pipelines });
  return {
    title: `Ingest of a ${seconds} s 1280x720 video (ViT-B/32-sized CLIP, CenterNet detector on)`,
    settings: { seconds, width: 1280, height: 720, fps: 30, model: "clip-vit-b32-random-v1", detector: "centernet", sampling: "1 fps, scene cuts, no near-duplicate drop", embedBatch: 16, recallTracks: KS },
    metrics: {
      dense: { ...rows[0], ...strip(dense) },
      one: { ...rows[1], ...strip(one) },
      q8: { ...rows[2], ...strip(q8) },
      two: { ...rows[3], ...strip(two) },
      recall,
      sweep: sweepRecall,
      fresh,
      cli: { ...cli, realtime: round(seconds / cli.wallSec) },
    },
    tables: [
      {
        title: "Ingest",
        columns: ["run", "wall s", "realtime x", "CPU core-s", "frames", "objects", "tracks", "crops embedded", "overlap", "busiest stage", "peak RSS MB"],
        rows: [
          ...rows.map((r) => [r.name, r.wallSec, r.realtime, r.cpuSec, r.frames, r.objects, r.tracks, r.cropsEmbedded, r.overlapRatio, r.busiest, r.peakRssMb]),
          [
            "one video (default) in a fresh process: its whole peak",
            fresh.wallSec,
            fresh.realtime,
            fresh.cpuSec,
            fresh.frames,
            fresh.objects,
            fresh.tracks,
            fresh.cropsEmbedded,
            fresh.overlapRatio,
            fresh.busiest,
            fresh.processPeakRssMb,
          ],
          ["`vos ingest --wait` in a fresh data folder: start-up and model loads included", round(cli.wallSec), round(seconds / cli.wallSec), "", cli.frames, "", "", "", "", "", cli.processPeakRssMb],
        ],
      },
      {
        title: "VOS_TRACK_EMBED_SEC: crops embedded and recall of the dense answer's k nearest tracks",
        columns: ["seconds", "crops embedded", ...KS.flatMap((k) => [`objects @${k}`, `frames @${k}`])],
        rows: sweepRecall.map(({ sec, cropsEmbedded, recall: r }) => [
          sec,
          cropsEmbedded,
          ...KS.flatMap((k) => [round(r[`top${k}`]!.similarObjects.recall, 3), round(r[`top${k}`]!.pictureOfFrame.recall, 3)]),
        ]),
      },
      {
        title: "Sparse crops against every crop: the share of the dense answer's k nearest tracks the sparse answer also names (exact cosine)",
        columns: ["queries", "count", ...KS.map((k) => `recall@${k}`)],
        rows: [
          ["similar objects (each track's first crop)", objectQueries.length, ...KS.map((k) => round(recall[`top${k}`]!.similarObjects.recall, 3))],
          ["picture of a frame (every 10th frame)", frameQueries.length, ...KS.map((k) => round(recall[`top${k}`]!.pictureOfFrame.recall, 3))],
        ],
      },
      stageTable,
    ],
    notes: [
      "overlap = pipeline wall time / busiest stage's busy time (1.0: the other stages run entirely behind it)",
      "CPU core-s counts the process's threads (CLIP, the detector's thread) and ffmpeg; on 2 cores no run takes less wall time than half of it",
      "busy time counts time a stage works, not time it waits for its neighbours; 'infer' includes the detector running in its worker thread alongside CLIP",
      "peak RSS is the bench process's, sampled every 50 ms (it also holds what earlier runs left); the fresh-process row is VmHWM of a process that ran only that ingest (through tsx, as the bench runs); the vos row is the CLI's own process, as a user runs it",
    ],
  };
}
