/**
 * Re-indexing against ingest, on the bench's 60 s 720p video and side by side in one run: the
 * default ingest (decode, detect, embed, write), then the same video's frames and embedded
 * objects embedded again (Reindex.reindexVideo) with another model of the same compute (the bench
 * model's files hard-linked into another folder with one configuration value changed, which makes
 * it another model): first as a 224 px model is re-indexed, from the video decoded again (the
 * 320x180 thumbnails are below its input), then from the stored thumbnails and crops.
 */
import { link, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { Reindex } from "@vos/core";
import { loadClipEmbedder } from "@vos/core/embedder";
import { benchModelDir } from "../support/bench-model.js";
import { cpuSeconds } from "../support/cpu-time.js";
import { ingestAtOnce } from "../support/ingest-run.js";
import { round } from "../support/stats.js";
import { zoomVideo } from "../support/zoom-video.js";
import type { BenchContext, SectionResult } from "../types.js";

/** The bench model under another identity: its weights hard-linked, its config.json rewritten. */
async function otherIdentity(modelDir: string, tmpDir: string): Promise<string> {
  const dir = path.join(tmpDir, "clip-other-identity");
  await mkdir(path.join(dir, "onnx"), { recursive: true });
  for (const name of await readdir(modelDir)) if (name !== "onnx" && name !== "config.json") await link(path.join(modelDir, name), path.join(dir, name));
  for (const name of await readdir(path.join(modelDir, "onnx"))) await link(path.join(modelDir, "onnx", name), path.join(dir, "onnx", name));
  const config = JSON.parse(await readFile(path.join(modelDir, "config.json"), "utf8")) as Record<string, unknown>;
  await writeFile(path.join(dir, "config.json"), JSON.stringify({ ...config, vos_bench_variant: "re-index target" }));
  return dir;
}

export async function run(context: BenchContext): Promise<SectionResult> {
  const seconds = context.quick ? 15 : 60;
  const model = await benchModelDir();
  const file = await zoomVideo(context, seconds);
  const target = await otherIdentity(model.dir, context.tmpDir);
  type Reindexed = { wallSec: number; cpuSec: number; frames: number; objects: number; smallImages: number; source: string };
  const reindexed: Reindexed[] = [];
  context.progress("ingest, then re-index from the video and from the stored images");
  const ingest = await ingestAtOnce(context, file, 1, model.dir, {}, false, async (svc, [videoId]) => {
    const embedder = await loadClipEmbedder({ model: target, batchSize: 16 });
    // Loaded and warmed first, as the ingest's models were.
    await embedder.embedImages([{ data: new Uint8Array(224 * 224 * 3).fill(90), width: 224, height: 224 }]);
    // The 320x180 thumbnails are below the model's input: the video is decoded again; then, for comparison, the stored images.
    for (const decode of [true, false]) {
      const cpuBefore = await cpuSeconds();
      const started = performance.now();
      const result = await Reindex.reindexVideo(svc, "bench", videoId!, embedder, { inputSize: 224, decode });
      reindexed.push({ ...result, wallSec: (performance.now() - started) / 1000, cpuSec: (await cpuSeconds()) - cpuBefore });
    }
  });
  const [done, stored] = reindexed as [Reindexed, Reindexed];
  const ingestSec = ingest.wallMs / 1000;
  const rate = (items: number, sec: number) => round(items / sec);
  const ingestItems = ingest.frames + ingest.embedded;
  const reindexItems = done.frames + done.objects;
  return {
    title: `Re-index of a ${seconds} s 1280x720 video (decoded again, and from its stored images), against its ingest`,
    settings: { seconds, model: "clip-vit-b32-random-v1 (fp32), the target under another identity", detector: "centernet", sampling: "1 fps, no near-duplicate drop", batch: 16 },
    metrics: {
      ingest: { wallSec: round(ingestSec), cpuSec: round(ingest.cpuSec), frames: ingest.frames, crops: ingest.embedded, itemsPerSec: rate(ingestItems, ingestSec) },
      reindex: { ...done, wallSec: round(done.wallSec), cpuSec: round(done.cpuSec), itemsPerSec: rate(reindexItems, done.wallSec) },
      reindexStored: { ...stored, wallSec: round(stored.wallSec), cpuSec: round(stored.cpuSec), itemsPerSec: rate(reindexItems, stored.wallSec) },
      speedup: round(ingestSec / done.wallSec),
      speedupStored: round(ingestSec / stored.wallSec),
    },
    tables: [
      {
        title: "Ingest against re-index (the same video, models of the same compute)",
        columns: ["run", "wall s", "CPU core-s", "frames", "crops embedded", "frames+crops per s", "x realtime"],
        rows: [
          ["ingest (decode, detect, embed, write)", round(ingestSec), round(ingest.cpuSec), ingest.frames, ingest.embedded, rate(ingestItems, ingestSec), round(seconds / ingestSec)],
          [`re-index from the video decoded again (${done.source})`, round(done.wallSec), round(done.cpuSec), done.frames, done.objects, rate(reindexItems, done.wallSec), round(seconds / done.wallSec)],
          [`re-index from stored thumbnails and crops (${stored.source})`, round(stored.wallSec), round(stored.cpuSec), stored.frames, stored.objects, rate(reindexItems, stored.wallSec), round(seconds / stored.wallSec)],
        ],
      },
    ],
    notes: [
      `decoded again, ${done.smallImages} of ${reindexItems} images are smaller than the model's 224 px input on their short side (crops of small objects) and are enlarged to it; from the stored images ${stored.smallImages} (the thumbnails are 320x180)`,
      "re-index embeds only the crops ingest embedded (one every few seconds along each track); the other detections are found through their track",
    ],
  };
}
