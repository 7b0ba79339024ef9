/**
 * No job waits forever and no shutdown costs an attempt, in the embedded runtime: a graceful stop
 * hands the running job back uncounted; at start-up a job whose queue message is missing is sent
 * again, and one whose message died (the process kept stopping before it could claim it) fails
 * with the reason instead of staying queued; and a deletion an earlier process began is finished.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import * as Job from "../src/job/index.js";
import { startEmbeddedRuntime, type EmbeddedRuntime } from "../src/runtime/embedded/embedded.js";
import * as Video from "../src/video/index.js";
import { testModelDir } from "./support/test-model.js";
import { waitFor } from "./support/wait-for.js";
import { syntheticVideo } from "./support/videos.js";
import { queueVideo } from "./support/queue-video.js";

let dir: string;
let runtime: EmbeddedRuntime | undefined;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vos-recover-"));
});
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
  await rm(dir, { recursive: true, force: true });
});

const start = async (workers: boolean) => {
  const env = { VOS_DATA_DIR: dir, VOS_CLIP_MODEL: await testModelDir(), VOS_DETECTOR: "off", VOS_SAMPLE_FPS: "2", VOS_SCENE_THRESHOLD: "0", VOS_DEDUP: "false", VOS_EMBED_BATCH: "2", VOS_LOG_LEVEL: "silent" };
  runtime = await startEmbeddedRuntime(loadConfig(env), { workers });
  return runtime;
};
const restart = async (workers: boolean) => {
  await runtime?.close();
  return start(workers);
};

/** A 20 s video uploaded and completed: its job queued with one message. */
async function queuedVideo(rt: EmbeddedRuntime): Promise<{ videoId: string; jobId: string }> {
  const file = await syntheticVideo({ seconds: 20, width: 320, height: 240, fps: 30 });
  return queueVideo(rt.services, file, "clip.mp4");
}

/** The embedded runtime's database is PGlite, whose results carry `rows`. */
const query = async <T>(rt: EmbeddedRuntime, text: string) => ((await rt.services.db.execute(sql.raw(text))) as unknown as { rows: T[] }).rows;
const messages = (rt: EmbeddedRuntime) => query<{ receive_count: number; dead: boolean }>(rt, `SELECT receive_count, dead_at IS NOT NULL AS dead FROM queue_message`);


describe("jobs across stops and starts of the embedded runtime", () => {
  it("hands a running job back on a graceful stop without counting the attempt, and finishes it after", async () => {
    let rt = await start(true);
    const { videoId, jobId } = await queuedVideo(rt);
    const running = await waitFor(() => Job.get(rt.services.db, jobId), (job) => job?.status === "running" && job.checkpoint >= 1);
    expect(running).toMatchObject({ status: "running", attempts: 1 });
    await rt.close(); // what Ctrl-C on `vos serve` does
    runtime = undefined;

    rt = await start(false);
    const handedBack = await Job.get(rt.services.db, jobId);
    expect(handedBack).toMatchObject({ status: "queued", attempts: 0, lastError: "interrupted by shutdown" });
    expect(handedBack!.checkpoint).toBeGreaterThanOrEqual(1);
    expect(await messages(rt)).toMatchObject([{ receive_count: 0, dead: false }]);

    rt = await restart(true);
    const done = await waitFor(() => Video.get(rt.services, "local", videoId), (video) => video.status === "ready");
    expect(done).toMatchObject({ status: "ready", frameCount: 40, job: { status: "succeeded", attempts: 1 } });
  }, 120_000);

  it("sends the message of an unfinished job again when it is missing", async () => {
    const rt = await start(false);
    const { videoId, jobId } = await queuedVideo(rt);
    await query(rt, `DELETE FROM queue_message`); // lost between the row and the message
    const again = await restart(true);
    const done = await waitFor(() => Video.get(again.services, "local", videoId), (video) => video.status === "ready");
    expect(done).toMatchObject({ status: "ready", frameCount: 40, job: { id: jobId, status: "succeeded", attempts: 1 } });
  }, 120_000);

  it("fails a job whose message died before any worker could claim it, with the reason, instead of leaving it queued", async () => {
    const rt = await start(false);
    const { videoId, jobId } = await queuedVideo(rt);
    // Delivered as often as the queue allows, each time to a process that died before claiming.
    await query(rt, `UPDATE queue_message SET receive_count = 4`);
    const again = await restart(false);
    const video = await Video.get(again.services, "local", videoId);
    expect(video).toMatchObject({ status: "failed", error: { code: "job.gave_up" }, job: { id: jobId, status: "failed" } });
    expect(video.error?.message).toMatch(/^Gave up: the worker stopped before finishing the job/);
    expect(await messages(again)).toMatchObject([{ dead: true }]);
    // Nothing is left to run, and a retry from the API, CLI or UI can start it afresh.
    expect(video.retryable).toBe(true);
  }, 120_000);

  it("finishes at start a deletion the process before it began and did not finish", async () => {
    const rt = await start(false);
    const { videoId } = await queuedVideo(rt);
    // `remove` marks the video first; the process ended before it removed anything.
    await query(rt, `UPDATE video SET status = 'deleting' WHERE id = '${videoId}'`);
    expect(await rt.services.blobs.list(Video.videoPrefix("local", videoId))).not.toEqual([]);
    const again = await restart(false);
    expect(await Video.find(again.services, videoId)).toBeUndefined();
    expect(await again.services.blobs.list(Video.videoPrefix("local", videoId))).toEqual([]);
    expect(await query(again, `SELECT id FROM job`)).toEqual([]);
  }, 120_000);
});
