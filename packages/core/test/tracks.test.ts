/**
 * Tracks from a real ingest: a photographed person pans across the frame, a cut, then the camera
 * zooms in on them (see support/track-video.ts). One track per scene, none across the cut, boxes
 * on the planted ones, start and end within one sampling interval; crops embedded sparsely along a
 * track; search and similar objects answer tracks; deleting the video removes them.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import * as Label from "../src/label/index.js";
import * as Objects from "../src/object/index.js";
import { iou } from "../src/detector/select.js";
import * as Tracks from "../src/object/tracks.js";
import * as Search from "../src/search/index.js";
import { startEmbeddedRuntime, type EmbeddedRuntime } from "../src/runtime/embedded/embedded.js";
import * as Video from "../src/video/index.js";
import { testModelDir } from "./support/test-model.js";
import { CUT_SEC, plantedBox, TRACK_VIDEO_SEC, trackVideo } from "./support/track-video.js";
import { waitFor } from "./support/wait-for.js";
import { queueVideo } from "./support/queue-video.js";

/** Frames are sampled at most once a second (the default): the precision start and end can have. */
const INTERVAL_SEC = 1;
let dir: string;
let rt: EmbeddedRuntime;
let videoId: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vos-tracks-"));
  rt = await startEmbeddedRuntime(loadConfig({ VOS_DATA_DIR: dir, VOS_CLIP_MODEL: await testModelDir(), VOS_DETECTOR: "centernet", VOS_LOG_LEVEL: "silent" }), { workers: true });
  ({ videoId } = await queueVideo(rt.services, await trackVideo(), "walk.mp4"));
  const done = await waitFor(() => Video.get(rt.services, "local", videoId), (view) => view.status === "ready" || view.status === "failed", 120_000);
  expect(done.status).toBe("ready");
}, 180_000);
afterAll(async () => {
  await rt?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("tracks of a real ingest", () => {
  it("follow the person through each scene, one track a scene, none across the cut", async () => {
    const people = (await Tracks.listForVideo(rt.services.db, "local", videoId)).filter((t) => t.label === "person");
    expect(people.map((t) => t.boxes.length).every((n) => n >= 3)).toBe(true);
    expect(people).toHaveLength(2);
    const [pan, zoom] = people as [Tracks.TrackView, Tracks.TrackView];
    expect(pan.start).toBeLessThanOrEqual(INTERVAL_SEC);
    expect(Math.abs(pan.end - CUT_SEC)).toBeLessThanOrEqual(INTERVAL_SEC);
    expect(Math.abs(zoom.start - CUT_SEC)).toBeLessThanOrEqual(INTERVAL_SEC);
    expect(Math.abs(zoom.end - TRACK_VIDEO_SEC)).toBeLessThanOrEqual(INTERVAL_SEC);
    expect(pan.boxes.every((b) => b.timeSec < CUT_SEC)).toBe(true);
    expect(zoom.boxes.every((b) => b.timeSec >= CUT_SEC)).toBe(true);
    for (const track of people) {
      for (const { timeSec, ...box } of track.boxes) expect(iou(box, plantedBox(timeSec)), `${track.id} at ${timeSec} s`).toBeGreaterThanOrEqual(0.5);
    }
    // The pan moves right, the zoom grows: the boxes follow.
    expect(pan.boxes.at(-1)!.x - pan.boxes[0]!.x).toBeGreaterThan(0.3);
    expect(zoom.boxes.at(-1)!.h / zoom.boxes[0]!.h).toBeGreaterThan(1.2);
    // Each object row names its track; the best detection is one of them.
    const rows = await Objects.listForVideo(rt.services.db, "local", videoId);
    expect(rows.filter((r) => r.trackId === pan.id).map(Objects.idOf)).toContain(pan.bestObjectId);
  });

  it("embed a track's crops sparsely: its first, then every few seconds; the others stand in through it", async () => {
    const [pan] = (await Tracks.listForVideo(rt.services.db, "local", videoId)).filter((t) => t.label === "person");
    const rows = await Objects.listForVideo(rt.services.db, "local", videoId);
    const panRows = rows.filter((row) => row.trackId === pan!.id);
    expect(panRows[0]!.embedded).toBe(true);
    // Six frames 0-5 s, every 4 s by default: embedded at 0 and 4 s.
    expect(panRows.filter((row) => row.embedded).map((row) => row.timeSec)).toEqual([0, 4]);
    // A vector for each embedded crop, none for the others.
    const stored = await rt.services.vectors.listIds("local", `${videoId}#o`);
    expect(new Set(stored)).toEqual(new Set(rows.filter((row) => row.embedded).map(Objects.idOf)));
    // An object without a vector of its own still finds what looks like it, through its track:
    // the same person after the cut, never its own track.
    const skipped = panRows.find((row) => !row.embedded)!;
    const similar = await Search.similar(rt.services, "local", Objects.idOf(skipped), { minScore: -1 });
    const tracks = similar.map((hit) => hit.trackId);
    expect(tracks).not.toContain(pan!.id);
    expect(tracks).toContain((await Tracks.listForVideo(rt.services.db, "local", videoId)).filter((t) => t.label === "person")[1]!.id);
    expect(new Set(tracks).size).toBe(tracks.length);
  });

  it("answer object search as tracks: one hit a track, its span, the box at the moment shown", async () => {
    const people = (await Tracks.listForVideo(rt.services.db, "local", videoId)).filter((t) => t.label === "person");
    const hits = (await Search.text(rt.services, "local", { text: "a person", kinds: ["object"], limit: 20 })).filter((hit) => hit.kind === "object");
    const byTrack = new Map(hits.map((hit) => [hit.trackId, hit]));
    expect(byTrack.size).toBe(hits.length);
    for (const track of people) {
      const hit = byTrack.get(track.id)!;
      expect(hit, track.id).toMatchObject({ label: "person", labelMatch: true, start: track.start, end: track.end, detections: track.boxes.length });
      const { timeSec: _, ...box } = track.boxes.find((b) => b.timeSec === hit.timeSec)!;
      expect(hit.box).toEqual(box);
    }
    // Similar to the zoom track: the pan track, once, with its whole span.
    const similar = await Search.similar(rt.services, "local", people[1]!.bestObjectId, { minScore: -1, limit: 50 });
    expect(similar.find((hit) => hit.trackId === people[0]!.id)).toMatchObject({ start: people[0]!.start, end: people[0]!.end });
  });

  it("take a label given to one of their objects, without overriding what a person set", async () => {
    const [pan] = (await Tracks.listForVideo(rt.services.db, "local", videoId)).filter((t) => t.label === "person");
    const ids = (await Objects.listForVideo(rt.services.db, "local", videoId)).filter((row) => row.trackId === pan!.id).map(Objects.idOf);
    const labelsOf = async () => [...(await Label.forObjects(rt.services.db, "local", ids)).entries()].map(([id, labels]) => [ids.indexOf(id), labels.map((l) => `${l.polarity} ${l.source}`).join()]).sort();
    const set = await Label.set(rt.services, "local", ids[0]!, { label: "walker", propagate: false });
    expect(set.propagatedTo.sort()).toEqual(ids.slice(1).sort());
    expect(await labelsOf()).toEqual(ids.map((_, i) => [i, i === 0 ? "positive explicit" : "positive propagated"]));
    // "Not a walker" on the third frame: the track follows, the person's own label on the first stays.
    await Label.set(rt.services, "local", ids[2]!, { label: "walker", polarity: "negative" });
    expect(await labelsOf()).toEqual(ids.map((_, i) => [i, i === 0 ? "positive explicit" : i === 2 ? "negative explicit" : "negative propagated"]));
  });

  it("go with the video", async () => {
    await Video.remove(rt.services, "local", videoId);
    expect(await Tracks.listForVideo(rt.services.db, "local", videoId)).toEqual([]);
  });
});
