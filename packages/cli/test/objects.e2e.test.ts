import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Box, DetectedObject, ObjectHit } from "@vos/contract";
import { loadConfig } from "@vos/core";
import { startEmbeddedRuntime } from "@vos/core/runtime/embedded";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testModelDir } from "../../core/test/support/test-model.js";
import { jsonOf, runVos } from "./support/cli.js";
import { photoVideo } from "./support/photo-video.js";

/** What `vos objects --json` prints of each object, and `vos similar --json` of each hit. */
type ListedObject = Pick<DetectedObject, "id" | "label" | "score" | "timeSec" | "box" | "trackId" | "labels">;
type Similar = Pick<ObjectHit, "objectId" | "videoId" | "label" | "score" | "timeSec" | "box" | "trackId" | "start" | "end" | "detections">;

const iou = (a: Box, b: Box) => {
  const w = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const h = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  return (w * h) / (a.w * a.h + b.w * b.h - w * h);
};

let dataDir: string;
let env: Record<string, string>;
let videoId: string;
let frames: number;
let objects: ListedObject[];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "vos-objects-"));
  env = { VOS_DATA_DIR: dataDir, VOS_CLIP_MODEL: await testModelDir(), VOS_DETECTOR: "centernet" };
  const ingest = await runVos(["ingest", await photoVideo(), "--wait", "--json"], env, { timeoutMs: 180_000 });
  expect(ingest.code, ingest.stderr).toBe(0);
  ({ videoId, frames } = jsonOf<{ videoId: string; frames: number }[]>(ingest)[0]!);
  objects = jsonOf<ListedObject[]>(await runVos(["objects", videoId, "--json"], env));
}, 240_000);
afterAll(async () => rm(dataDir, { recursive: true, force: true }));

/** The most confident person of the party photo's first appearance (0-3 s). */
const partyPerson = () => objects.filter((o) => o.timeSec < 3 && o.box.h > 0.4).sort((a, b) => b.score - a.score)[0]!;

describe("object search on a video made of real photographs", () => {
  it("lists the people the detector finds, at the times they are on screen", () => {
    const people = objects.filter((o) => o.label === "person");
    expect(people.length).toBeGreaterThanOrEqual(4);
    // The party is on screen at 0-3 s and 6-9 s, the 3D figure at 9-12 s; nothing in the blue 3-6 s.
    expect(objects.some((o) => o.timeSec >= 3 && o.timeSec < 6)).toBe(false);
    expect(people.some((o) => o.timeSec < 3)).toBe(true);
    expect(people.some((o) => o.timeSec >= 6 && o.timeSec < 9)).toBe(true);
    // The figure stands in the left half of the picture, full height: a tall box over it.
    const figure = objects.filter((o) => o.timeSec >= 9).sort((a, b) => b.score - a.score)[0]!;
    expect(figure.label).toBe("person");
    expect(figure.box.x + figure.box.w / 2).toBeLessThan(0.5);
    expect(figure.box.h).toBeGreaterThan(0.6);
    for (const o of objects) {
      expect(o.box.x).toBeGreaterThanOrEqual(0);
      expect(o.box.x + o.box.w).toBeLessThanOrEqual(1.0001);
      expect(o.score).toBeGreaterThanOrEqual(0.3);
    }
  });

  it("finds the objects a query names by their label, with label and box", async () => {
    const hits = jsonOf<{ kind: string; label?: string; box?: Box; timeSec: number }[]>(await runVos(["search", "a person", "--json", "--kinds", "object"], env));
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0]).toMatchObject({ kind: "object", label: "person" });
    expect(hits[0]!.box).toEqual(expect.objectContaining({ x: expect.any(Number), w: expect.any(Number) }));
  });

  it("finds other appearances of an object from its stored vector, and not unrelated ones", async () => {
    const person = partyPerson();
    const hits = jsonOf<Similar[]>(await runVos(["similar", person.id, "--min-score", "0.9", "--json"], env));
    const again = hits[0]!;
    expect(again.timeSec).toBeGreaterThanOrEqual(6);
    expect(again.timeSec).toBeLessThan(9);
    expect(iou(again.box, person.box)).toBeGreaterThan(0.8);
    expect(again.score).toBeGreaterThan(0.99);
    const figure = objects.filter((o) => o.timeSec >= 9).sort((a, b) => b.score - a.score)[0]!;
    expect(hits.map((h) => h.objectId)).not.toContain(figure.id);
    expect(hits.map((h) => h.objectId)).not.toContain(person.id);
  });

  it("propagates a positive label to near-duplicates and removes a hit marked negative", async () => {
    const person = partyPerson();
    const [again] = jsonOf<Similar[]>(await runVos(["similar", person.id, "--min-score", "0.9", "--json"], env));
    // One row per track, the object's own never among them.
    expect(again!.trackId).not.toBe(person.trackId);
    expect(again!.start).toBeLessThanOrEqual(again!.timeSec);
    expect(again!.end).toBeGreaterThan(again!.timeSec);
    const labelled = jsonOf<{ track: string; propagatedTo: string[]; carriedToTracks: string[] }>(await runVos(["label", person.id, "guest", "--json"], env));
    expect(labelled.propagatedTo).toContain(again!.objectId);
    expect(labelled).toMatchObject({ track: person.trackId });
    expect(labelled.carriedToTracks).toContain(again!.trackId);
    expect(labelled.carriedToTracks).not.toContain(person.trackId);
    const listed = jsonOf<ListedObject[]>(await runVos(["objects", videoId, "--json"], env));
    expect(listed.find((o) => o.id === again!.objectId)!.labels).toContainEqual({ label: "guest", polarity: "positive", source: "propagated" });
    expect(listed.find((o) => o.id === person.id)!.labels).toContainEqual({ label: "guest", polarity: "positive", source: "explicit" });

    const negative = await runVos(["label", again!.objectId, "guest", "--negative"], env);
    expect(negative.code, negative.stderr).toBe(0);
    const after = jsonOf<Similar[]>(await runVos(["similar", person.id, "--min-score", "0.9", "--json"], env));
    expect(after.map((h) => h.objectId)).not.toContain(again!.objectId);
    expect(after.length).toBeGreaterThan(0);
  });

  it("lists tracks: every detection in one, none across the blue gap, as `vos tracks --json` prints them", async () => {
    const tracks = jsonOf<{ id: string; label: string; start: number; end: number; score: number; boxes: { timeSec: number; x: number; y: number; w: number; h: number }[] }[]>(
      await runVos(["tracks", videoId, "--json"], env),
    );
    expect(tracks.length).toBeGreaterThan(0);
    expect(Object.keys(tracks[0]!).sort()).toEqual(["boxes", "end", "id", "label", "score", "start"]);
    expect(tracks.reduce((sum, t) => sum + t.boxes.length, 0)).toBe(objects.length);
    for (const track of tracks) {
      expect(track.id.startsWith(`${videoId}#t`)).toBe(true);
      expect(track.boxes.every((b) => b.timeSec >= track.start && b.timeSec < track.end)).toBe(true);
      // The scenes are cut apart (party, blue, party, figure): no track lives in two of them.
      expect(track.boxes.some((b) => b.timeSec < 3) && track.boxes.some((b) => b.timeSec >= 6)).toBe(false);
    }
    const table = await runVos(["tracks", videoId], env);
    expect(table.stdout).toContain("person");
  });

  it("deletes the video's object vectors and crops with it", async () => {
    const tracks = jsonOf<unknown[]>(await runVos(["tracks", videoId, "--json"], env)).length;
    const result = await runVos(["delete", videoId, "--json"], env);
    expect(result.code, result.stderr).toBe(0);
    // A vector per frame and per embedded crop: every track's first one, at most every detection.
    const vectors = jsonOf<{ vectors: number }>(result).vectors;
    expect(vectors).toBeGreaterThanOrEqual(frames + tracks);
    expect(vectors).toBeLessThanOrEqual(frames + objects.length);
    expect(await readdir(path.join(dataDir, "blobs", "local", "videos")).catch(() => [])).toEqual([]);
    const runtime = await startEmbeddedRuntime(loadConfig({ ...env, VOS_LOG_LEVEL: "warn" }), { workers: false });
    try {
      expect(await runtime.services.vectors.listIds("local", `${videoId}#`)).toEqual([]);
    } finally {
      await runtime.close();
    }
    const gone = await runVos(["objects", videoId], env);
    expect(gone.stderr).toContain("[video.not_found]");
    expect((await runVos(["tracks", videoId], env)).stderr).toContain("[video.not_found]");
  });
});
