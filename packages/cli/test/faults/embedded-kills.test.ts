/**
 * Fault injection in the embedded runtime: `vos serve` is SIGKILLed at random moments while it
 * ingests, and started again, until the kill budget is spent; then it runs to the end. Every job
 * must end ready with exactly what a run without faults made (frames, objects, vectors,
 * thumbnails and crops), nothing duplicated or orphaned, and one attempt more than the kills that
 * hit it. A corrupt video fails once with its reason and is never retried, across a crash and a
 * restart. Kill delays come from a seed: VOS_FAULT_SEED=<printed seed> replays a run.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Job, loadConfig, Video } from "@vos/core";
import { startEmbeddedRuntime } from "@vos/core/runtime/embedded";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { faultRandom } from "../../../core/test/support/fault-seed.js";
import { testModelDir } from "../../../core/test/support/test-model.js";
import { truncatedMp4 } from "../../../core/test/support/videos.js";
import { createClient } from "../../src/client.js";
import { jsonOf, runVos, spawnVos } from "../support/cli.js";
import { photoVideo } from "../support/photo-video.js";
import { outcomeOf, type Checked } from "./support/outcome.js";

/** SIGKILLs that must land while a job is unfinished. */
const KILLS = Number(process.env.VOS_FAULT_KILLS ?? 10);
const TENANT = "local";

let dataDir: string;
let env: Record<string, string>;
let port: number;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port: free } = server.address() as { port: number };
      server.close(() => resolve(free));
    });
  });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "vos-kills-"));
  port = await freePort();
  // 12 s at one frame every 2 s with nothing dropped: frames 0-5 at 0, 2, ... 10 s, with the
  // built-in detector finding people in the photographs.
  env = {
    VOS_DATA_DIR: dataDir,
    PORT: String(port),
    VOS_CLIP_MODEL: await testModelDir(),
    VOS_DETECTOR: "centernet",
    VOS_SAMPLE_FPS: "0.5",
    VOS_SCENE_THRESHOLD: "0",
    VOS_DEDUP: "false",
    VOS_EMBED_BATCH: "2",
    VOS_WORKERS: "2",
    VOS_MAX_ATTEMPTS: "20",
    VOS_VISIBILITY_TIMEOUT_SEC: "5",
    VOS_LOG_LEVEL: "info",
  };
});
afterAll(async () => rm(dataDir, { recursive: true, force: true }));

/** The jobs of the given videos, read with the data folder's lock (no server may be running). */
async function readJobs(videoIds: string[]): Promise<Map<string, Job.JobRow>> {
  const runtime = await startEmbeddedRuntime(loadConfig({ ...env, VOS_LOG_LEVEL: "warn" }), { workers: false });
  try {
    return await Job.latestForVideos(runtime.services.db, videoIds);
  } finally {
    await runtime.close();
  }
}

describe("the embedded runtime killed at random points", () => {
  it("finishes every job exactly once, with what a run without faults makes", async () => {
    const started = Date.now();
    const random = faultRandom("embedded kills");
    const video = await photoVideo();

    // The reference: one ingest with no faults. How long its job took (probe to final commit)
    // sizes the window kills land in once a server is up.
    const reference = await runVos(["ingest", video, "--wait", "--json"], env, { timeoutMs: 180_000 });
    expect(reference.code, reference.stderr).toBe(0);
    const jobMs = Number(/"msg":"ingested".*?"ms":(\d+)/.exec(reference.stderr)?.[1]);
    expect(jobMs).toBeGreaterThan(0);
    // Two jobs share the cores in a life: their window is longer than one job's.
    let windowMs = 1.5 * jobMs;
    let startupMs = 2000;
    const referenceId = jsonOf<{ videoId: string }[]>(reference)[0]!.videoId;

    const videoIds: string[] = [];
    const queue = async (count: number) => {
      const result = await runVos(["ingest", ...Array.from({ length: count }, () => video), "--json"], env);
      expect(result.code, result.stderr).toBe(0);
      videoIds.push(...jsonOf<{ videoId: string }[]>(result).map((r) => r.videoId));
    };
    await queue(2);

    const killsOn = new Map<string, number>();
    const points: string[] = [];
    let kills = 0;
    let landed = 0;
    let lives = 0;
    let jobs = await readJobs(videoIds);
    // Lives are capped, so a machine much faster or slower than expected ends the loop anyway.
    while (landed < KILLS && lives < 3 * KILLS) {
      // Keep two jobs in front of every kill: queue copies as they finish.
      const unfinished = videoIds.filter((id) => jobs.get(id)?.status !== "succeeded").length;
      if (unfinished < 2) {
        await queue(2 - unfinished);
        jobs = await readJobs(videoIds);
      }
      // A fifth of the kills land during start-up (opening the database, claiming); the rest
      // anywhere in the jobs' window after the server is up (probe, sampling, inference, each
      // batch's upsert and commit, the final commit), timed from when it says it listens, so a
      // slow start on a loaded machine does not push every kill before the claim.
      const u = random.next();
      const spawnedAt = Date.now();
      const child = spawnVos(["serve"], env);
      lives++;
      let log = "";
      let listening: () => void = () => {};
      const up = new Promise<void>((resolve) => (listening = resolve));
      child.stderr!.on("data", (chunk: Buffer) => {
        log = (log + chunk.toString()).slice(-20_000);
        if (log.includes('"msg":"listening"')) listening();
      });
      const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
      const killAt =
        u < 0.2
          ? sleep((u / 0.2) * startupMs)
          : up.then(() => {
              startupMs = Date.now() - spawnedAt;
              return sleep(((u - 0.2) / 0.8) * windowMs);
            });
      const early = await Promise.race([killAt.then(() => false), exited.then(() => true)]);
      expect(early, `vos serve exited on its own:\n${log}`).toBe(false);
      const delay = Date.now() - spawnedAt;
      child.kill("SIGKILL");
      await exited;
      kills++;

      const after = await readJobs(videoIds);
      let hit = false;
      for (const id of videoIds) {
        const before = jobs.get(id)!;
        const now = after.get(id)!;
        // A life claims a job at most once: attempts move by one or not at all.
        expect(now.attempts - before.attempts, `attempts of ${id} after a kill at ${delay} ms`).toBeLessThanOrEqual(1);
        if (before.status === "succeeded") continue;
        if (now.status !== "succeeded") hit = true;
        if (now.status === "succeeded") points.push("after the final commit");
        else if (now.attempts === before.attempts) points.push("before the claim");
        else {
          killsOn.set(id, (killsOn.get(id) ?? 0) + 1);
          points.push(`${now.progress.stage}, checkpoint ${now.checkpoint}`);
        }
      }
      jobs = after;
      if (hit) landed++;
      // Everything finished before the kill: the load changed since the reference; aim earlier.
      else windowMs *= 0.7;
    }
    expect(landed, "kills that landed during ingests").toBeGreaterThanOrEqual(KILLS);

    // The last life runs to the end; a corrupt video joins in, and fails once.
    const server = spawnVos(["serve"], env);
    let serverLog = "";
    server.stderr!.on("data", (chunk: Buffer) => (serverLog = (serverLog + chunk.toString()).slice(-20_000)));
    const client = createClient(`http://127.0.0.1:${port}/`, (request) => fetch(request));
    const views = new Map<string, Video.VideoView>();
    let corruptId = "";
    try {
      const deadline = Date.now() + 150_000;
      while (Date.now() < deadline) {
        try {
          if (!corruptId) corruptId = (await client.uploadFile(await truncatedMp4())).id;
          for (const id of [...videoIds, corruptId]) views.set(id, await client.getVideo(id));
          if ([...views.values()].every((v) => v.status === "ready" || v.status === "failed")) break;
        } catch {
          // not listening yet
        }
        await sleep(250);
      }
      // Past the first retry delay (5 s): a failed job must stay as it is.
      await sleep(6000);
      views.set(corruptId, await client.getVideo(corruptId));
    } finally {
      server.kill("SIGKILL"); // a crash after the failure must not bring it back either
      await new Promise((resolve) => server.once("close", resolve));
    }
    const corrupt = views.get(corruptId)!;
    expect(corrupt, serverLog).toMatchObject({ status: "failed", frameCount: 0, error: { code: "media.corrupt" }, job: { status: "failed", attempts: 1 } });
    expect(corrupt.error!.message.length).toBeGreaterThan(10);

    // Start again with workers, and give a stray message time to be picked up.
    const runtime = await startEmbeddedRuntime(loadConfig({ ...env, VOS_LOG_LEVEL: "warn" }));
    let duplicates = 0;
    try {
      await sleep(1500);
      const services = runtime.services;
      const queueStats = await (services.queue as unknown as { stats(): Promise<{ ready: number; inFlight: number; dead: number }> }).stats();
      expect(queueStats).toEqual({ ready: 0, inFlight: 0, dead: 0 });
      expect(await Video.get(services, TENANT, corruptId)).toMatchObject({ status: "failed", job: { attempts: 1 } });
      expect(await services.blobs.list(`${TENANT}/videos/${corruptId}/`)).toEqual([]);

      const expected = await outcomeOf(services, TENANT, referenceId);
      expect(expected.outcome.frames).toEqual([0, 2, 4, 6, 8, 10].map((timeSec, frameNo) => ({ frameNo, timeSec })));
      expect(expected.outcome.objects.length).toBeGreaterThan(0);
      expect(expected.job).toMatchObject({ status: "succeeded", attempts: 1 });
      const checked: Checked[] = [];
      for (const id of videoIds) {
        const result = await outcomeOf(services, TENANT, id);
        checked.push(result);
        duplicates += result.duplicates;
        expect(await Video.get(services, TENANT, id)).toMatchObject({ status: "ready", frameCount: 6, objectCount: expected.outcome.objects.length });
        expect(result.outcome, id).toEqual(expected.outcome);
        expect(result.outcome.vectors).toEqual(result.expectedVectors);
        expect(result.outcome.blobs).toEqual(result.expectedBlobs);
        expect(result.job, id).toMatchObject({ status: "succeeded", attempts: (killsOn.get(id) ?? 0) + 1 });
      }
      expect(duplicates).toBe(0);
    } finally {
      await runtime.close();
    }
    console.info(
      JSON.stringify({
        test: "embedded kills",
        seed: random.seed,
        runs: lives + 1,
        kills,
        landed,
        // Kills that hit a claimed, unfinished job; one kill may hit two jobs.
        jobKills: [...killsOn.values()].reduce((a, b) => a + b, 0),
        jobsCompleted: videoIds.length,
        duplicates,
        corruptAttempts: 1,
        points,
        wallMs: Date.now() - started,
      }),
    );
  }, 420_000);
});
