/**
 * A long video split into segments in the embedded runtime: two workers share it, the frames kept
 * are exactly those of one pass, a scene across a boundary is one moment, a segment that fails
 * for good fails the video while the rest stays searchable and `retry` runs only that segment, a
 * segment that gave up is redriven from the dead letters, and deleting the video mid-run stops every segment and removes everything.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { VisibleError } from "../src/error.js";
import * as Frame from "../src/frame/index.js";
import * as Job from "../src/job/index.js";
import { planSegments, SEGMENT_FRAME_STRIDE } from "../src/pipeline/segments.js";
import { startEmbeddedRuntime, type EmbeddedRuntime } from "../src/runtime/embedded/embedded.js";
import * as Search from "../src/search/index.js";
import * as Video from "../src/video/index.js";
import { testModelDir } from "./support/test-model.js";
import { onUpsert } from "./support/upsert-hook.js";
import { waitFor } from "./support/wait-for.js";
import { boundaryVideo, stillImage } from "./support/videos.js";
import { queueVideo } from "./support/queue-video.js";

const dirs: string[] = [];
const runtimes: EmbeddedRuntime[] = [];
afterEach(async () => {
  for (const rt of runtimes.splice(0)) await rt.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}, owners: { runtimes: EmbeddedRuntime[]; dirs: string[] } = { runtimes, dirs }): Promise<EmbeddedRuntime> {
  const dir = await mkdtemp(path.join(tmpdir(), "vos-segments-"));
  owners.dirs.push(dir);
  const config = loadConfig({ VOS_DATA_DIR: dir, VOS_CLIP_MODEL: await testModelDir(), VOS_DETECTOR: "off", VOS_WORKERS: "2", VOS_LOG_LEVEL: "silent", ...env });
  const runtime = await startEmbeddedRuntime(config, { workers: true });
  owners.runtimes.push(runtime);
  return runtime;
}

/** One pass over the boundary video (no segments), made once and compared against by several tests. */
const kept = { runtimes: [] as EmbeddedRuntime[], dirs: [] as string[] };
afterAll(async () => {
  for (const rt of kept.runtimes) await rt.close();
  for (const dir of kept.dirs) await rm(dir, { recursive: true, force: true });
});
let onePass: Promise<{ rt: EmbeddedRuntime; id: string }> | undefined;
const reference = () =>
  (onePass ??= (async () => {
    const rt = await start({ VOS_SEGMENT_SEC: "0" }, kept);
    const id = await upload(rt);
    expect(await finished(rt, id)).toMatchObject({ status: "ready", job: { segments: { total: 1, succeeded: 1 } } });
    return { rt, id };
  })());

/** The 90 s boundary video uploaded and queued. */
async function upload(rt: EmbeddedRuntime): Promise<string> {
  return (await queueVideo(rt.services, await boundaryVideo(), "long.mp4")).videoId;
}


/** Runs `hook` before each upsert of vectors of segment 1 or later (frame numbers from the stride); it may throw or wait. */
function onSegmentUpsert(rt: EmbeddedRuntime, hook: () => Promise<void>): void {
  const laterSegment = (id: string) => Number(/#f(\d+)$/.exec(id)?.[1] ?? -1) >= SEGMENT_FRAME_STRIDE;
  onUpsert(rt.services, async (records) => {
    if (records.some((record) => laterSegment(record.id))) await hook();
  });
}

const finished = (rt: EmbeddedRuntime, id: string) =>
  waitFor(
    () => Video.get(rt.services, "local", id),
    (view) => view.status === "ready" || view.status === "failed",
    120_000,
  );
const frames = async (rt: EmbeddedRuntime, id: string) =>
  (await Frame.listForVideo(rt.services.db, id)).map((f) => ({ timeSec: f.timeSec, endSec: f.endSec, reason: f.reason }));

describe("segment plans", () => {
  it("splits on whole maxGap slots, keeps a short tail in the last segment, and never splits an unknown length", () => {
    expect(planSegments(90, 40, 10)).toEqual([
      { segment: 0, startSec: 0, endSec: 40 },
      { segment: 1, startSec: 40, endSec: null },
    ]);
    expect(planSegments(125, 120, 10)).toEqual([{ segment: 0, startSec: 0, endSec: null }]);
    expect(planSegments(3 * 3600, 120, 10)).toHaveLength(90);
    expect(planSegments(600, 44, 10).map((s) => s.startSec).slice(0, 3)).toEqual([0, 40, 80]);
    expect(planSegments(600, 0, 10)).toEqual([{ segment: 0, startSec: 0, endSec: null }]);
    expect(planSegments(Number.NaN, 120, 10)).toEqual([{ segment: 0, startSec: 0, endSec: null }]);
  });
});

describe("a long video processed in segments", () => {
  it("keeps exactly the frames one pass keeps, and a scene across a boundary is one moment", async () => {
    const { rt: single, id: wholeId } = await reference();
    const expected = await frames(single, wholeId);

    const rt = await start({ VOS_SEGMENT_SEC: "40" });
    const id = await upload(rt);
    const view = await finished(rt, id);
    expect(view).toMatchObject({ status: "ready", frameCount: expected.length, job: { status: "succeeded", segments: { total: 2, succeeded: 2, failed: 0 } } });
    expect(await frames(rt, id)).toEqual(expected);
    // Segment 1's frames are numbered from its stride; both segments ran, each once.
    const numbers = (await Frame.listForVideo(rt.services.db, id)).map((f) => f.frameNo);
    expect(numbers.filter((n) => n >= SEGMENT_FRAME_STRIDE).length).toBeGreaterThan(0);
    const run = (await Job.latestRuns(rt.services.db, [id])).get(id)!;
    expect(run.map((job) => [job.segment, job.startSec, job.endSec, job.status, job.attempts])).toEqual([
      [0, 0, 40, "succeeded", 1],
      [1, 40, null, "succeeded", 1],
    ]);
    expect(view.job!.progress.frames.indexed).toBe(expected.length);

    // Blue fills 30-45 s, across the boundary at 40 s: one moment, as from one pass.
    const blue = new Uint8Array(await readFile(await stillImage("0x0000ff")));
    const search = async (runtime: EmbeddedRuntime, videoId: string) =>
      (await Search.image(runtime.services, "local", blue, { kinds: ["frame"], limit: 3, videoId })).map((hit) => [hit.start, hit.end]);
    const [best] = await search(rt, id);
    expect(best).toEqual((await search(single, wholeId))[0]);
    expect(best![0]).toBeLessThanOrEqual(30.001);
    expect(best![1]).toBeGreaterThanOrEqual(45);
  }, 180_000);

  it("fails the video when a segment fails for good, keeps the rest searchable, and retries only that segment", async () => {
    const rt = await start({ VOS_SEGMENT_SEC: "40" });
    // The first upsert of segment 1's vectors fails as bad data would: a permanent failure.
    let refused = 0;
    onSegmentUpsert(rt, async () => {
      if (refused > 0) return;
      refused++;
      throw new VisibleError("media.corrupt", "the frames of this part could not be stored", 422, true);
    });
    const id = await upload(rt);
    const failed = await waitFor(
      () => Video.get(rt.services, "local", id),
      (view) => view.status === "failed" && view.job?.status === "failed",
      120_000,
    );
    expect(failed).toMatchObject({
      status: "failed",
      error: { code: "media.corrupt", message: "Segment 2 of 2 (0:40-end): the frames of this part could not be stored" },
      retryable: true,
      job: { segments: { total: 2, succeeded: 1, failed: 1 } },
    });
    // Segment 0's frames stay, counted and searchable; the upload stays for the retry.
    const kept = (await Frame.listForVideo(rt.services.db, id)).map((f) => f.frameNo);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.every((n) => n < SEGMENT_FRAME_STRIDE)).toBe(true);
    expect(failed.frameCount).toBe(kept.length);
    const hits = await Search.text(rt.services, "local", { text: "a red image", kinds: ["frame"], videoId: id });
    expect(hits.length).toBeGreaterThan(0);

    // The activity view lists the failed segment with its reason.
    expect((await Job.activity(rt.services, "local")).failures).toEqual([
      expect.objectContaining({ videoId: id, segment: 1, code: "media.corrupt", message: expect.stringContaining("could not be stored") }),
    ]);

    const [first] = (await Job.latestRuns(rt.services.db, [id])).get(id)!;
    const retried = await Video.retry(rt.services, "local", id);
    expect(retried).toMatchObject({ status: "queued", error: null });
    const ready = await finished(rt, id);
    expect(ready).toMatchObject({ status: "ready", job: { segments: { total: 2, succeeded: 2 } } });
    const run = (await Job.latestRuns(rt.services.db, [id])).get(id)!;
    // The same run: segment 0 untouched, segment 1 run once more.
    expect(run[0]).toMatchObject({ id: first!.id, attempts: 1, finishedAt: first!.finishedAt });
    expect(run[1]).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(refused).toBe(1);

    const { rt: single, id: wholeId } = await reference();
    expect(await frames(rt, id)).toEqual(await frames(single, wholeId));
  }, 180_000);

  it("sends a segment that gave up to the dead letters; a redrive runs it again and the video becomes ready", async () => {
    const rt = await start({ VOS_SEGMENT_SEC: "40", VOS_MAX_ATTEMPTS: "1" });
    // Segment 1's first upsert fails as an outage would: a transient error, and one attempt to spend.
    let refused = 0;
    onSegmentUpsert(rt, async () => {
      if (refused++ === 0) throw new Error("the vector store is away");
    });
    const id = await upload(rt);
    await waitFor(
      () => Video.get(rt.services, "local", id),
      (view) => view.status === "failed" && view.job?.status === "failed",
      120_000,
    );
    const [first, second] = (await Job.latestRuns(rt.services.db, [id])).get(id)!;
    const { deadLetters, failures } = await Job.activity(rt.services, "local");
    expect(failures).toEqual([expect.objectContaining({ jobId: second!.id, code: "job.gave_up", message: "Gave up after 1 attempt; last error: the vector store is away" })]);
    expect(deadLetters).toEqual([
      { id: expect.any(String), jobId: second!.id, videoId: id, videoTitle: expect.any(String), segment: 1, reason: expect.stringContaining("the vector store is away"), failedAt: expect.any(String) },
    ]);
    const [letter] = deadLetters;
    // Another tenant's redrive finds nothing.
    await expect(Job.redrive(rt.services, "someone-else", letter!.id)).rejects.toBeInstanceOf(Job.DeadLetterNotFound);

    expect(await Job.redrive(rt.services, "local", letter!.id)).toEqual(letter);
    const ready = await waitFor(
      () => Video.get(rt.services, "local", id),
      (view) => view.status === "ready",
      120_000,
    );
    expect(ready).toMatchObject({ error: null, job: { segments: { total: 2, succeeded: 2 } } });
    const run = (await Job.latestRuns(rt.services.db, [id])).get(id)!;
    expect(run[0]).toMatchObject({ id: first!.id, attempts: 1, finishedAt: first!.finishedAt });
    expect(run[1]).toMatchObject({ id: second!.id, status: "succeeded", attempts: 1 });
    expect(ready.frameCount).toBe(await Frame.countForVideo(rt.services.db, id));
    expect((await Job.activity(rt.services, "local")).deadLetters).toEqual([]);
    await expect(Job.redrive(rt.services, "local", letter!.id)).rejects.toThrow(/redriven already/);
  }, 180_000);

  it("stops every segment and removes everything when the video is deleted mid-run", async () => {
    const rt = await start({ VOS_SEGMENT_SEC: "30" });
    const id = await upload(rt);
    await waitFor(
      () => Job.latestRuns(rt.services.db, [id]).then((runs) => runs.get(id) ?? []),
      (run) => run.filter((job) => job.status === "running" && job.checkpoint >= 0).length >= 2,
      120_000,
    );
    await Video.remove(rt.services, "local", id);
    // Nothing left: no job (they go with the video), frame, vector or file; the workers are free.
    expect(await Job.latestRuns(rt.services.db, [id])).toEqual(new Map());
    expect(await Frame.countForVideo(rt.services.db, id)).toBe(0);
    const settled = await waitFor(
      async () => ({ vectors: await rt.services.vectors.listIds("local", `${id}#`), files: await rt.services.blobs.list(`local/videos/${id}/`) }),
      (left) => left.vectors.length === 0 && left.files.length === 0,
      10_000,
    );
    expect(settled).toEqual({ vectors: [], files: [] });
    const next = await upload(rt);
    expect(await finished(rt, next)).toMatchObject({ status: "ready", job: { segments: { total: 3, succeeded: 3 } } });
  }, 180_000);

  it("is searchable while it is processed: what its finished segments hold, unless only ready videos are asked for", async () => {
    const rt = await start({ VOS_SEGMENT_SEC: "40" });
    // Segment 1's upserts wait until the test lets them go.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = false;
    onSegmentUpsert(rt, async () => {
      holding = true;
      await held;
    });
    const id = await upload(rt);
    const partly = await waitFor(
      () => Video.get(rt.services, "local", id),
      (view) => holding && view.job?.segments.succeeded === 1,
      120_000,
    );
    expect(partly).toMatchObject({ status: "processing", job: { status: "running", segments: { total: 2, succeeded: 1, running: 1 } } });
    const red = { text: "a red image", kinds: ["frame" as const], videoId: id };
    const during = await Search.text(rt.services, "local", red);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((hit) => hit.start < 40)).toBe(true);
    expect(await Search.text(rt.services, "local", { ...red, includeProcessing: false })).toEqual([]);

    // The activity view shows the held segment at work, the video half done, frames per second.
    const now = await Job.activity(rt.services, "local");
    expect(Job.activitySchema.parse(now)).toEqual(now);
    expect(now.jobs).toMatchObject({ running: 1, queued: 0, succeededLastHour: 1 });
    expect(now.workers).toEqual([expect.objectContaining({ videoId: id, segment: 1, segments: 2, attempt: 1 })]);
    expect(now.videos).toEqual([expect.objectContaining({ id, status: "processing", segments: expect.objectContaining({ total: 2, succeeded: 1 }) })]);
    expect(now.videos[0]!.done).toBeGreaterThan(0);
    expect(now.videos[0]!.done).toBeLessThan(1);
    expect(now.throughput.frames).toBe(partly.frameCount);
    expect(now.throughput.framesPerSec).toBeCloseTo(partly.frameCount / Job.THROUGHPUT_WINDOW_SEC, 6);

    release();
    await finished(rt, id);
    const after = await Search.text(rt.services, "local", { ...red, includeProcessing: false });
    expect(after.some((hit) => hit.start >= 60)).toBe(true);
    expect(await Job.activity(rt.services, "local")).toMatchObject({ jobs: { running: 0, succeededLastHour: 2 }, workers: [], videos: [], failures: [] });
  }, 180_000);
});
