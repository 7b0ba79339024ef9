/**
 * A long video in segments, with `vos serve` SIGKILLed while two segments run and again once
 * one has finished: each segment resumes from its own checkpoint in the next life, the finished
 * one is not done again, and the video ends with exactly the frames, vectors and thumbnails one
 * pass makes.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Frame, Job, loadConfig, type Video } from "@vos/core";
import { startEmbeddedRuntime } from "@vos/core/runtime/embedded";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testModelDir } from "../../../core/test/support/test-model.js";
import { boundaryVideo } from "../../../core/test/support/videos.js";
import { createClient } from "../../src/client.js";
import { jsonOf, runVos, spawnVos } from "../support/cli.js";

const TENANT = "local";
const dirs: string[] = [];
let env: Record<string, string>;
let port: number;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port: free } = server.address() as { port: number };
      server.close(() => resolve(free));
    });
  });
const folder = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "vos-segment-kills-"));
  dirs.push(dir);
  return dir;
};

beforeAll(async () => {
  port = await freePort();
  env = { VOS_DATA_DIR: await folder(), PORT: String(port), VOS_CLIP_MODEL: await testModelDir(), VOS_DETECTOR: "off", VOS_SEGMENT_SEC: "30", VOS_WORKERS: "2", VOS_LOG_LEVEL: "info" };
});
afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** What a data folder holds of a video, read with its lock (no server running). */
async function stored(dataDir: string, id: string) {
  const runtime = await startEmbeddedRuntime(loadConfig({ ...env, VOS_DATA_DIR: dataDir, VOS_LOG_LEVEL: "warn" }), { workers: false });
  try {
    const svc = runtime.services;
    const frames = await Frame.listForVideo(svc.db, id);
    return {
      frames: frames.map((f) => ({ timeSec: f.timeSec, endSec: f.endSec, reason: f.reason })),
      frameNos: frames.map((f) => f.frameNo),
      vectors: (await svc.vectors.listIds(TENANT, `${id}#`)).sort(),
      thumbnails: (await svc.blobs.list(`${TENANT}/videos/${id}/frames/`)).length,
      run: (await Job.latestRuns(svc.db, [id])).get(id) ?? [],
    };
  } finally {
    await runtime.close();
  }
}

/** One life of `vos serve`: SIGKILLed once `until` holds for the video, or when it finishes. */
async function life(id: string, until: (video: Video.VideoView) => boolean): Promise<Video.VideoView> {
  const child = spawnVos(["serve"], env);
  let log = "";
  child.stderr!.on("data", (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const client = createClient(`http://127.0.0.1:${port}/`, (request) => fetch(request));
  try {
    const deadline = Date.now() + 150_000;
    while (Date.now() < deadline) {
      const video = await client.getVideo(id).catch(() => undefined); // not listening yet
      if (video && (until(video) || video.status === "ready" || video.status === "failed")) return video;
      await sleep(100);
    }
    throw new Error(`no end in sight:\n${log}`);
  } finally {
    child.kill("SIGKILL");
    await exited;
  }
}

describe("a video in segments, its server killed mid-run", () => {
  it("resumes each segment from its own checkpoint and ends with exactly one pass's frames", async () => {
    const video = await boundaryVideo();
    // The reference: one pass in a data folder of its own.
    const referenceDir = await folder();
    const reference = await runVos(["ingest", video, "--wait", "--json"], { ...env, VOS_DATA_DIR: referenceDir, VOS_SEGMENT_SEC: "0" }, { timeoutMs: 180_000 });
    expect(reference.code, reference.stderr).toBe(0);
    const expected = await stored(referenceDir, jsonOf<{ videoId: string }[]>(reference)[0]!.videoId);

    const queued = await runVos(["ingest", video, "--json"], env);
    expect(queued.code, queued.stderr).toBe(0);
    const id = jsonOf<{ videoId: string }[]>(queued)[0]!.videoId;

    // Killed while two segments run, each with something committed.
    const first = await life(id, (v) => v.job!.segments.total === 3 && v.job!.segments.running === 2 && v.frameCount > 0);
    expect(first).toMatchObject({ status: "processing", job: { segments: { total: 3, running: 2 } } });
    const afterFirst = await stored(env.VOS_DATA_DIR!, id);
    const resumed = afterFirst.run.filter((job) => job.checkpoint >= 0 && job.status !== "succeeded");
    expect(resumed.length).toBeGreaterThanOrEqual(1);

    // Killed again once a segment has finished and another is under way.
    const second = await life(id, (v) => v.job!.segments.succeeded >= 1 && v.job!.segments.running >= 1);
    const afterSecond = await stored(env.VOS_DATA_DIR!, id);
    const finished = afterSecond.run.filter((job) => job.status === "succeeded");

    // The last life runs to the end.
    const last = await life(id, () => false);
    expect(last).toMatchObject({ status: "ready", job: { status: "succeeded", segments: { total: 3, succeeded: 3 } } });
    const outcome = await stored(env.VOS_DATA_DIR!, id);
    expect(outcome.frames).toEqual(expected.frames);
    expect(outcome.thumbnails).toBe(expected.frames.length);
    expect(outcome.vectors).toEqual(outcome.frameNos.map((n) => `${id}#f${n}`).sort());
    for (const job of outcome.run) {
      // A segment a kill caught resumed from its checkpoint: nothing before it was done again.
      const before = afterFirst.run.find((j) => j.id === job.id)!;
      expect(job.checkpoint).toBeGreaterThanOrEqual(before.checkpoint);
      expect(job.attempts, `segment ${job.segment}`).toBeLessThanOrEqual(3);
    }
    // A segment that had finished before the second kill was not run again.
    for (const done of finished) expect(outcome.run.find((job) => job.id === done.id)).toMatchObject({ attempts: done.attempts, finishedAt: done.finishedAt });
    console.info(
      JSON.stringify({
        test: "segment kills",
        atFirstKill: afterFirst.run.map((job) => [job.segment, job.status, job.checkpoint]),
        atSecondKill: afterSecond.run.map((job) => [job.segment, job.status, job.checkpoint]),
        secondStatus: second.status,
        attempts: outcome.run.map((job) => job.attempts),
        frames: outcome.frames.length,
      }),
    );
  }, 420_000);
});
