import type { Client } from "../client.js";
import { clock, printJson, table } from "../output.js";

const box = (b: { x: number; y: number; w: number; h: number }) => `${b.x.toFixed(2)},${b.y.toFixed(2)} ${b.w.toFixed(2)}x${b.h.toFixed(2)}`;

/** `vos objects <videoId>`: what the detector found, with boxes and labels. */
export async function objects(client: Client, videoId: string, options: { json: boolean }): Promise<void> {
  const list = await client.objects(videoId);
  if (options.json) {
    return printJson(list.map((o) => ({ id: o.id, label: o.label, score: o.score, timeSec: o.timeSec, box: o.box, trackId: o.trackId, labels: o.labels })));
  }
  if (list.length === 0) {
    process.stdout.write("No objects found in this video.\n");
    return;
  }
  process.stdout.write(
    table(
      ["object", "time", "label", "score", "box (x,y wxh)", "labels"],
      list.map((o) => [o.id, clock(o.timeSec), o.label, o.score.toFixed(2), box(o.box), o.labels.map((l) => `${l.polarity === "negative" ? "not " : ""}${l.label} (${l.source})`).join(", ")]),
    ) + "\n",
  );
}

/** `vos tracks <videoId>`: each object followed from frame to frame, with its box in every frame. */
export async function tracks(client: Client, videoId: string, options: { json: boolean }): Promise<void> {
  const list = await client.tracks(videoId);
  if (options.json) return printJson(list.map((t) => ({ id: t.id, label: t.label, start: t.start, end: t.end, score: t.score, boxes: t.boxes })));
  if (list.length === 0) {
    process.stdout.write("No tracks in this video: the detector found no objects in it, or it is not ready yet (see its status in vos videos).\n");
    return;
  }
  process.stdout.write(
    table(
      ["track", "label", "from", "to", "frames", "score", "first box (x,y wxh)"],
      list.map((t) => [t.id, t.label, clock(t.start), clock(t.end), String(t.boxes.length), t.score.toFixed(2), box(t.boxes[0]!)]),
    ) + "\n",
  );
}

/** `vos similar <objectId>`: tracks that look like it, across the videos (one row per track). */
export async function similar(client: Client, objectId: string, options: { minScore?: number; limit?: number; expanded: boolean; video?: string; json: boolean }): Promise<void> {
  const hits = await client.similar(objectId, {
    mode: options.expanded ? "expanded" : "focused",
    ...(options.minScore !== undefined ? { minScore: options.minScore } : {}),
    ...(options.limit ? { limit: options.limit } : {}),
    ...(options.video ? { videoId: options.video } : {}),
  });
  if (options.json) {
    return printJson(hits.map(({ objectId: id, videoId, label, score, timeSec, box: b, trackId, start, end, detections }) => ({ objectId: id, videoId, label, score, timeSec, box: b, trackId, start, end, detections })));
  }
  if (hits.length === 0) {
    process.stdout.write("No similar objects above the threshold.\n");
    return;
  }
  process.stdout.write(
    table(
      ["object", "video", "track", "best", "label", "score"],
      hits.map((h) => [h.objectId, h.videoTitle, `${clock(h.start)}-${clock(h.end)}`, clock(h.timeSec), h.label, h.score.toFixed(3)]),
    ) + "\n",
  );
}

/** `vos label <objectId> <label>`: name an object (or say it is not that, with --negative). */
export async function label(client: Client, objectId: string, name: string, options: { negative: boolean; propagate: boolean; remove: boolean; json: boolean }): Promise<void> {
  if (options.remove) {
    const result = await client.unlabel(objectId, name);
    if (options.json) return printJson(result);
    process.stdout.write(result.removed ? `Removed '${name}' from ${objectId}.\n` : `${objectId} had no label '${name}'.\n`);
    return;
  }
  const result = await client.label(objectId, { label: name, polarity: options.negative ? "negative" : "positive", propagate: options.propagate });
  if (options.json) return printJson(result);
  const also = result.carriedToTracks.length > 0 ? `, and ${result.carriedToTracks.length} near-duplicate track(s)` : "";
  process.stdout.write(`Labelled ${objectId} ${options.negative ? "NOT " : ""}'${result.label.label}' with its track${also}.\n`);
}
