import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { SearchHit } from "@vos/contract";
import { loadConfig } from "@vos/core";
import { startEmbeddedRuntime } from "@vos/core/runtime/embedded";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testModelDir } from "../../core/test/support/test-model.js";
import { colourVideo, stillImage } from "../../core/test/support/videos.js";
import { jsonOf, runVos } from "./support/cli.js";

/** What `vos search --json` prints of each hit. */
type Hit = Pick<SearchHit, "videoId" | "kind" | "timeSec" | "start" | "end" | "score" | "thumbnailUrl">;

let dataDir: string;
let env: Record<string, string>;
let video: string;
let videoId: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "vos-e2e-"));
  // Explicit sampling, so the expected frame count follows from the settings: one frame a
  // second, nothing dropped, scene cuts at 5/10/15 s coinciding with the 1 s samples.
  env = { VOS_DATA_DIR: dataDir, VOS_CLIP_MODEL: await testModelDir(), VOS_DEDUP: "false", VOS_SAMPLE_FPS: "1", VOS_EMBED_BATCH: "4", VOS_DETECTOR: "off" };
  video = await colourVideo();
});
afterAll(async () => rm(dataDir, { recursive: true, force: true }));

describe("vos end to end (embedded, real ffmpeg, generated model)", () => {
  it("ingests the colour video with the frame count its sampling settings give", async () => {
    const result = await runVos(["ingest", video, "--wait", "--json", "--title", "Colours"], env);
    expect(result.code, result.stderr).toBe(0);
    const [ingested] = jsonOf<{ videoId: string; status: string; frames: number }[]>(result);
    expect(ingested).toMatchObject({ status: "ready", frames: 20 });
    videoId = ingested!.videoId;
    const list = jsonOf<{ id: string; title: string; status: string; frameCount: number; durationSec: number }[]>(await runVos(["videos", "--json"], env));
    expect(list).toEqual([expect.objectContaining({ id: videoId, title: "Colours", status: "ready", frameCount: 20 })]);
    expect(list[0]!.durationSec).toBeCloseTo(20, 0);
  });

  it.each([
    ["a red image", 0, 5],
    ["a green image", 5, 10],
    ["a blue image", 10, 15],
  ])("finds %s within %i-%i s", async (text, from, to) => {
    const hits = jsonOf<Hit[]>(await runVos(["search", text, "--json"], env));
    expect(hits.length).toBeGreaterThan(0);
    const [first] = hits;
    expect(first).toMatchObject({ videoId, kind: "frame" });
    expect(first!.start).toBeGreaterThanOrEqual(from);
    expect(first!.end).toBeLessThanOrEqual(to);
    expect(first!.timeSec).toBeGreaterThanOrEqual(from);
    expect(first!.timeSec).toBeLessThan(to);
    expect(first!.thumbnailUrl).toMatch(/^http:\/\/127\.0\.0\.1:3000\/api\/files\/local\/videos\/.+\.jpg$/);
    // Best first, and one video's moments never overlap (touching is fine).
    for (let i = 1; i < hits.length; i++) expect(hits[i]!.score).toBeLessThanOrEqual(hits[i - 1]!.score);
    const moments = hits.filter((hit) => hit.kind === "frame").sort((a, b) => a.videoId.localeCompare(b.videoId) || a.start - b.start);
    for (let i = 1; i < moments.length; i++) {
      if (moments[i]!.videoId === moments[i - 1]!.videoId) expect(moments[i]!.start, JSON.stringify(moments)).toBeGreaterThanOrEqual(moments[i - 1]!.end);
    }
  });

  it("finds the green segment from a green still (image query)", async () => {
    const green = await stillImage("green");
    const hits = jsonOf<Hit[]>(await runVos(["search", "--image", green, "--json", "--limit", "3"], env));
    expect(hits[0]!.start).toBeGreaterThanOrEqual(5);
    expect(hits[0]!.end).toBeLessThanOrEqual(10);
    expect(hits.length).toBeLessThanOrEqual(3);
  });

  it("filters by video and prints a table for people", async () => {
    const other = await runVos(["search", "a red image", "--video", "vid_other", "--json"], env);
    expect(jsonOf<Hit[]>(other)).toEqual([]);
    const human = await runVos(["search", "a red image", "--limit", "2"], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/#\s+video\s+moment\s+best\s+score/);
    expect(human.stdout).toContain(videoId);
    expect(human.stdout).toContain("0:00.0-0:05.0");
  });

  it("deletes the video with its rows, files and vectors", async () => {
    const result = await runVos(["delete", videoId, "--json"], env);
    expect(result.code, result.stderr).toBe(0);
    expect(jsonOf<{ deleted: string; vectors: number; files: number }>(result)).toEqual({ deleted: videoId, vectors: 20, files: 21 });
    expect(jsonOf<unknown[]>(await runVos(["videos", "--json"], env))).toEqual([]);
    expect(jsonOf<Hit[]>(await runVos(["search", "a red image", "--json"], env))).toEqual([]);
    // Look inside the data folder: no file and no vector of that video is left.
    const blobs = await readdir(path.join(dataDir, "blobs", "local", "videos")).catch(() => []);
    expect(blobs).toEqual([]);
    const runtime = await startEmbeddedRuntime(loadConfig({ ...env, VOS_LOG_LEVEL: "warn" }), { workers: false });
    try {
      expect(await runtime.services.vectors.listIds("local", `${videoId}#`)).toEqual([]);
    } finally {
      await runtime.close();
    }
  });
});
