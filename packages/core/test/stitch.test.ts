/**
 * Tracks joined across segment boundaries (object/stitch.ts) on hand-placed rows: an object in
 * view across a boundary is one track, one that appears after a scene cut at the boundary is not,
 * other labels and far boxes are left apart, and stitching again changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPglite, type DatabaseHandle } from "../src/db/index.js";
import * as Frame from "../src/frame/index.js";
import * as Object_ from "../src/object/index.js";
import { stitchTracks } from "../src/object/stitch.js";
import { listForVideo } from "../src/object/tracks.js";
import type { Services } from "../src/services.js";
import * as Video from "../src/video/index.js";
import { servicesOn } from "./support/services.js";
import { testModelDir } from "./support/test-model.js";

const STRIDE = 1000;
let handle: DatabaseHandle;
let svc: Services;
let close: () => Promise<void>;

beforeAll(async () => {
  handle = await openPglite();
  ({ svc, close } = await servicesOn(handle, { clipModel: await testModelDir() }));
});
afterAll(async () => {
  await close();
  await handle.close();
});

type Seen = { label: string; x: number; track: string };

/** A video with frames at the given numbers (time = number mod stride + segment * 10) and objects in them. */
async function videoWith(frames: { frameNo: number; cut?: boolean; seen: Seen[] }[]): Promise<string> {
  const video = await Video.create(svc, "t", { filename: "v.mp4", sizeBytes: 10, contentType: "video/mp4" });
  const timeOf = (frameNo: number) => Math.floor(frameNo / STRIDE) * 10 + (frameNo % STRIDE);
  await svc.db.transaction(async (tx) => {
    await Frame.upsertMany(
      tx,
      frames.map((f) => ({ videoId: video.id, frameNo: f.frameNo, tenantId: "t", timeSec: timeOf(f.frameNo), endSec: timeOf(f.frameNo) + 1, reason: f.cut ? ("scene" as const) : ("interval" as const), thumbnailKey: "k" })),
    );
    for (const f of frames) {
      await Object_.replaceForFrames(
        tx,
        video.id,
        [f.frameNo],
        f.seen.map((o, k) => ({
          videoId: video.id, frameNo: f.frameNo, k, tenantId: "t", timeSec: timeOf(f.frameNo), endSec: timeOf(f.frameNo) + 1, label: o.label, score: 0.8,
          boxX: o.x, boxY: 0.2, boxW: 0.2, boxH: 0.4, cropKey: "c", trackId: `${video.id}#t${o.track}`,
        })),
      );
    }
  });
  return video.id;
}

const trackIds = async (videoId: string) => (await listForVideo(svc.db, "t", videoId)).map((t) => [t.label, t.boxes.length, t.id.split("#t")[1]]);

describe("tracks across segment boundaries", () => {
  it("join an object in view across a boundary; leave other labels and far boxes apart", async () => {
    const id = await videoWith([
      { frameNo: 8, seen: [{ label: "person", x: 0.1, track: "8.0" }, { label: "dog", x: 0.5, track: "8.1" }] },
      { frameNo: 9, seen: [{ label: "person", x: 0.12, track: "8.0" }, { label: "dog", x: 0.52, track: "8.1" }] },
      { frameNo: STRIDE, seen: [{ label: "person", x: 0.14, track: `${STRIDE}.0` }, { label: "cat", x: 0.54, track: `${STRIDE}.1` }, { label: "person", x: 0.75, track: `${STRIDE}.2` }] },
      { frameNo: STRIDE + 1, seen: [{ label: "person", x: 0.16, track: `${STRIDE}.0` }] },
    ]);
    expect(await stitchTracks(svc.db, id, STRIDE)).toBe(1);
    expect(await trackIds(id)).toEqual([
      ["person", 4, "8.0"],
      ["dog", 2, "8.1"],
      ["cat", 1, `${STRIDE}.1`],
      ["person", 1, `${STRIDE}.2`],
    ]);
    expect(await stitchTracks(svc.db, id, STRIDE)).toBe(0);
  });

  it("do not join across a scene cut at the boundary", async () => {
    const id = await videoWith([
      { frameNo: 9, seen: [{ label: "person", x: 0.1, track: "9.0" }] },
      { frameNo: STRIDE, cut: true, seen: [{ label: "person", x: 0.1, track: `${STRIDE}.0` }] },
    ]);
    expect(await stitchTracks(svc.db, id, STRIDE)).toBe(0);
    expect((await trackIds(id)).length).toBe(2);
  });
});
