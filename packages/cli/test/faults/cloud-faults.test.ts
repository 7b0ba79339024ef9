/**
 * Fault injection in the cloud runtime on one machine (fauxqs for S3/SQS/SNS, the Pinecone-protocol
 * server, PostgreSQL behind a TCP proxy the test can cut; workers are the real worker entry run as
 * processes). Worker tasks are SIGKILLed at random moments, the database goes away mid-job, the
 * vector store answers 429 and 503, and a corrupt video is uploaded: every job must end ready with
 * exactly what a run without faults made, through the system's own recovery (task-stopped events,
 * retries with backoff), or fail once with its reason. VOS_FAULT_SEED=<printed seed> replays the
 * kill delays.
 */
import { readFile } from "node:fs/promises";
import { createApi } from "@vos/functions/api/app";
import { Frame, Job, Objects, Video, type Services } from "@vos/core";
import { loadCloudConfig, startCloudRuntime, startOneMachineCloud, type OneMachineCloud } from "@vos/core/runtime/cloud";
import { openPostgres, type DatabaseHandle } from "@vos/core/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCloudTestEnvironment, type CloudTestEnvironment } from "../../../core/test/cloud/support/cloud-env.js";
import { faultRandom } from "../../../core/test/support/fault-seed.js";
import { startTcpProxy, throughProxy, type TcpProxy } from "../../../core/test/support/tcp-proxy.js";
import { testModelDir } from "../../../core/test/support/test-model.js";
import { truncatedMp4 } from "../../../core/test/support/videos.js";
import { photoVideo } from "../support/photo-video.js";
import { outcomeOf, type Checked } from "./support/outcome.js";
import { gone, workerProcesses } from "./support/worker-processes.js";

/** SIGKILLs of worker tasks, at most two a job (the retry delays are 5 s, then 10 s), one of them at an exact point. */
const KILLS = Number(process.env.VOS_FAULT_KILLS ?? 10);
const KILLS_PER_JOB = 2;
const TENANT = "local";

let env: CloudTestEnvironment;
let proxy: TcpProxy;
let cloud: OneMachineCloud;
let app: ReturnType<typeof createApi>;
let direct: DatabaseHandle;
/** The API's services, reading the database directly (not through the proxy the test cuts). */
let services: Services;
let cloudEnv: Record<string, string>;
let photo: Buffer;
let expected: Checked;
let corruptId = "";
const workerLines: string[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every worker process seen: its job, when it appeared and when it was gone. */
interface Seen {
  pid: number;
  jobId: string;
  seenAt: number;
  goneAt?: number;
}
const seen = new Map<number, Seen>();
let onWorker: ((worker: Seen) => void) | undefined;
let watching = true;
let watcher: Promise<void> | undefined;

beforeAll(async () => {
  env = await startCloudTestEnvironment({
    dimension: 16,
    env: {
      VOS_CLIP_MODEL: await testModelDir(),
      VOS_DETECTOR: "centernet",
      VOS_SAMPLE_FPS: "0.5",
      VOS_SCENE_THRESHOLD: "0",
      VOS_DEDUP: "false",
      VOS_EMBED_BATCH: "2",
      VOS_MAX_ATTEMPTS: "20",
      VOS_MAX_TASKS: "10",
      VOS_LOG_LEVEL: "info",
    },
  });
  const target = new URL(env.database.url);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  cloudEnv = { ...env.env, VOS_DATABASE_URL: throughProxy(env.database.url, proxy) };
  Object.assign(process.env, cloudEnv);
  cloud = await startOneMachineCloud(cloudEnv, { pollMs: 100, reconcileEveryMs: 2000, workerOutput: (line) => workerLines.push(line) });
  app = createApi({ services: cloud.api.services, tenantOf: () => TENANT });
  direct = await openPostgres(env.database.url, { max: 2, migrate: false });
  services = { ...cloud.api.services, db: direct.db };
  photo = await readFile(await photoVideo());
  watcher = (async () => {
    while (watching) {
      const now = Date.now();
      const alive = new Set<number>();
      for (const worker of await workerProcesses()) {
        alive.add(worker.pid);
        if (seen.has(worker.pid)) continue;
        const entry: Seen = { ...worker, seenAt: now };
        seen.set(worker.pid, entry);
        onWorker?.(entry);
      }
      for (const entry of seen.values()) if (entry.goneAt === undefined && !alive.has(entry.pid)) entry.goneAt = now;
      await sleep(50);
    }
  })();
}, 180_000);
afterAll(async () => {
  watching = false;
  await watcher;
  await cloud?.stop();
  await direct?.close();
  await proxy?.close();
  await env?.close();
});

const call = async <T>(target: { request: typeof app.request }, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
  const response = await target.request(path, { method, ...(body !== undefined ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}) });
  return { status: response.status, body: (await response.json()) as T };
};

/** Uploads through presigned multipart URLs, as the web app does, and queues the job. */
async function upload(file: Buffer, filename: string): Promise<string> {
  const created = await call<{ video: { id: string }; upload: { partBytes: number; parts: { partNumber: number; url: string }[] } }>(app, "POST", "/api/videos", {
    filename,
    sizeBytes: file.length,
    contentType: "video/mp4",
  });
  expect(created.status).toBe(201);
  const { partBytes, parts } = created.body.upload;
  const etags = await Promise.all(
    parts.map(async (part) => {
      const response = await fetch(part.url, { method: "PUT", body: file.subarray((part.partNumber - 1) * partBytes, part.partNumber * partBytes) });
      expect(response.status).toBe(200);
      return { partNumber: part.partNumber, etag: response.headers.get("etag")! };
    }),
  );
  const completed = await call<{ status: string }>(app, "POST", `/api/videos/${created.body.video.id}/complete`, { parts: etags });
  expect(completed.status).toBe(202);
  return created.body.video.id;
}

async function waitFinished(ids: string[], timeoutMs: number): Promise<Map<string, Video.VideoView>> {
  const views = new Map<string, Video.VideoView>();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const id of ids) views.set(id, await Video.get(services, TENANT, id));
    if ([...views.values()].every((v) => v.status === "ready" || v.status === "failed")) return views;
    await sleep(200);
  }
  throw new Error(`not finished in ${timeoutMs} ms: ${JSON.stringify([...views.values()].map((v) => [v.id, v.status, v.job]))}\n${workerLines.slice(-40).join("\n")}`);
}

/** The ingest made exactly what the reference did, nothing duplicated or orphaned. */
async function expectExact(id: string, attempts: number): Promise<Checked> {
  const result = await outcomeOf(services, TENANT, id);
  expect(result.outcome, id).toEqual(expected.outcome);
  expect(result.outcome.vectors).toEqual(result.expectedVectors);
  expect(result.outcome.blobs).toEqual(result.expectedBlobs);
  expect(result.duplicates).toBe(0);
  expect(result.job, id).toMatchObject({ status: "succeeded", attempts });
  return result;
}

describe("cloud mode on one machine under faults", () => {
  let jobMs = 5000;

  it("makes the reference: one ingest with no faults", async () => {
    const id = await upload(photo, "reference.mp4");
    const jobId = (await Video.get(services, TENANT, id)).job!.id;
    let claimedAt = 0;
    for (let status = "queued"; status === "queued"; status = (await Job.get(direct.db, jobId))!.status) {
      claimedAt = Date.now();
      await sleep(25);
    }
    const view = (await waitFinished([id], 120_000)).get(id)!;
    const readyAt = Date.now();
    expect(view, workerLines.slice(-40).join("\n")).toMatchObject({ status: "ready", frameCount: 6, error: null });
    expected = await outcomeOf(services, TENANT, id);
    expect(expected.outcome.frames).toEqual([0, 2, 4, 6, 8, 10].map((timeSec, frameNo) => ({ frameNo, timeSec })));
    expect(expected.outcome.objects.length).toBeGreaterThan(0);
    expect(expected.outcome.vectors).toEqual(expected.expectedVectors);
    expect(expected.outcome.blobs).toEqual(expected.expectedBlobs);
    expect(expected.job).toMatchObject({ status: "succeeded", attempts: 1 });
    // From the claim to the final commit: the span most kills are spread over.
    jobMs = readyAt - claimedAt;
  }, 150_000);

  it("rides out 429s and 503s from the vector store within one attempt, backing off", async () => {
    const from = env.pinecone.requests.length;
    env.pinecone.failNext(2, 429, { path: /^\/vectors\/upsert$/, retryAfterSec: 1 });
    env.pinecone.failNext(2, 503, { path: /^\/vectors\/upsert$/ });
    const id = await upload(photo, "throttled.mp4");
    expect((await waitFinished([id], 120_000)).get(id)).toMatchObject({ status: "ready", frameCount: 6 });
    await expectExact(id, 1);
    const upserts = env.pinecone.requests.slice(from).filter((r) => r.path === "/vectors/upsert");
    expect(upserts.slice(0, 5).map((r) => r.status)).toEqual([429, 429, 503, 503, 200]);
    const gaps = upserts.slice(1, 5).map((r, i) => r.at - upserts[i]!.at);
    // Retry-After: 1 s is honoured; then exponential backoff of 250 ms * 2^n, at least half of it.
    expect(gaps[0]).toBeGreaterThanOrEqual(950);
    expect(gaps[1]).toBeGreaterThanOrEqual(950);
    expect(gaps[2]).toBeGreaterThanOrEqual(480);
    expect(gaps[3]).toBeGreaterThanOrEqual(980);
    console.info(JSON.stringify({ test: "vector store 429/503", upserts: upserts.slice(0, 5).map((r) => r.status), gapsMs: gaps, attempts: 1, jobsCompleted: 1, duplicates: 0 }));

    // A search during a short outage still answers.
    env.pinecone.failNext(2, 503, { path: /^\/query$/ });
    const search = await call<{ hits: { videoId: string; kind: string }[] }>(app, "POST", "/api/search", { text: "a person" });
    expect(search.status).toBe(200);
    expect(search.body.hits.length).toBeGreaterThan(0);
    // (A search queries frames and objects at once: each met one 503 and was retried.)
    const queries = env.pinecone.requests.slice(from).filter((r) => r.path === "/query");
    expect(queries.filter((r) => r.status === 503)).toHaveLength(2);
    expect(queries.slice(2).every((r) => r.status === 200)).toBe(true);

    // When the outage outlasts the retries, the API says so with a clear code.
    const impatient = await startCloudRuntime(loadCloudConfig(cloudEnv, "api"), { pineconeRetry: { retries: 1, baseDelayMs: 10 } });
    try {
      // Two queries (frames, objects), each tried twice.
      env.pinecone.failNext(4, 503, { path: /^\/query$/ });
      const failed = await call<{ code: string; message: string }>(createApi({ services: impatient.services, tenantOf: () => TENANT }), "POST", "/api/search", { text: "a person" });
      expect(failed).toMatchObject({ status: 503, body: { code: "vector.unavailable" } });
    } finally {
      await impatient.close();
    }
  }, 150_000);

  it("fails a corrupt video once, with its reason, and dead-letters nothing", async () => {
    corruptId = await upload(await readFile(await truncatedMp4()), "corrupt.mp4");
    const view = (await waitFinished([corruptId], 60_000)).get(corruptId)!;
    expect(view).toMatchObject({ status: "failed", frameCount: 0, error: { code: "media.corrupt" }, job: { status: "failed", attempts: 1 } });
    expect(view.error!.message.length).toBeGreaterThan(10);
    expect(env.fauxqs.messages(env.names.deadLetters)).toEqual([]);
    expect(env.fauxqs.messages(env.names.alerts)).toEqual([]);
    // Checked again at the end, long past the first retry delay (5 s).
  }, 90_000);

  it("finishes every job exactly once when its worker tasks are killed at random points", async () => {
    const started = Date.now();
    const random = faultRandom("cloud kills");
    // One job more than the kills need, so kills that land too late can be made up.
    const jobs = Math.ceil(KILLS / KILLS_PER_JOB) + 1;
    const ids: string[] = [];
    const killsOn = new Map<string, number>();
    const late = new Set<number>();
    const points: string[] = [];
    let kills = 0;
    const pending: Promise<void>[] = [];

    // One kill at an exact point: the first job's worker dies once its first vectors are stored
    // but before it hears so, let alone commits the rows that point at them.
    let designated: { videoId: string; jobId: string } | undefined;
    let orphansAtKill = -1;
    env.pinecone.onUpserted = async (vectorIds) => {
      if (!designated || orphansAtKill >= 0 || !vectorIds.some((id) => id.startsWith(`${designated!.videoId}#`))) return;
      const worker = [...seen.values()].find((s) => s.jobId === designated!.jobId && s.goneAt === undefined);
      if (!worker) return;
      orphansAtKill = 0;
      kills++;
      killsOn.set(worker.jobId, 1);
      process.kill(worker.pid, "SIGKILL");
      while (!(await gone(worker.pid))) await sleep(20);
      const job = (await Job.get(direct.db, worker.jobId))!;
      const rows = (await Frame.countForVideo(direct.db, designated.videoId)) + (await Objects.countForVideo(direct.db, designated.videoId));
      const stored = [...env.pinecone.vectors(env.names.index, TENANT).keys()].filter((id) => id.startsWith(`${designated!.videoId}#`)).length;
      orphansAtKill = stored - rows;
      points.push(`between vector upsert and row commit, checkpoint ${job.checkpoint}`);
    };
    const jobIds = new Set<string>();
    const queue = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const id = await upload(photo, `killed-${ids.length}.mp4`);
        ids.push(id);
        const jobId = (await Video.get(services, TENANT, id)).job!.id;
        designated ??= { videoId: id, jobId };
        jobIds.add(jobId);
      }
    };
    // Workers share two cores: a job runs slower than the reference's when more are alive.
    let factor = 1.2;
    const windowMs = () => jobMs * factor * Math.max(1, [...seen.values()].filter((s) => s.goneAt === undefined).length / 2);
    onWorker = (worker) => {
      // The designated job gets its one exact kill only; one kill of the budget is kept for it.
      if (!jobIds.has(worker.jobId) || worker.jobId === designated?.jobId || kills >= KILLS - (orphansAtKill < 0 ? 1 : 0)) return;
      if ((killsOn.get(worker.jobId) ?? 0) >= KILLS_PER_JOB) return;
      kills++;
      killsOn.set(worker.jobId, (killsOn.get(worker.jobId) ?? 0) + 1);
      const u = random.next();
      pending.push(
        (async () => {
          if (u < 0.2) {
            // During start-up, before the claim; not within the first 300 ms, as the dispatcher
            // records the task right after starting it.
            await sleep(300 + (u / 0.2) * 1500);
          } else {
            // Anywhere in the job once this task claimed it: probe, sampling, inference, each
            // batch's upsert and commit, the final commit.
            const claimDeadline = Date.now() + 60_000;
            for (;;) {
              // One task at a time holds a job: running means this one claimed it.
              if ((await Job.get(direct.db, worker.jobId))?.status === "running" || (await gone(worker.pid)) || Date.now() > claimDeadline) break;
              await sleep(25);
            }
            await sleep(((u - 0.2) / 0.8) * windowMs());
          }
          // Where the job stood at the kill, for the record (it may move on in the meantime).
          const before = (await Job.get(direct.db, worker.jobId))!;
          try {
            process.kill(worker.pid, "SIGKILL");
          } catch {
            // already exited
          }
          while (!(await gone(worker.pid))) await sleep(20);
          const job = (await Job.get(direct.db, worker.jobId))!;
          if (job.status === "succeeded") {
            // The work was done before the kill landed: not a kill of the job; another may be.
            late.add(worker.pid);
            killsOn.set(worker.jobId, killsOn.get(worker.jobId)! - 1);
            kills--;
            factor *= 0.7; // aim earlier from now on
            points.push("after the final commit");
          } else points.push(before.status === "queued" ? "before the claim" : `${before.progress.stage}, checkpoint ${before.checkpoint}`);
        })(),
      );
    };
    let views = new Map<string, Video.VideoView>();
    try {
      // Kills that came too late are made up on a few more jobs.
      for (let round = 0; round < 5 && (round === 0 || kills < KILLS); round++) {
        await queue(round === 0 ? jobs : Math.ceil((KILLS - kills) / KILLS_PER_JOB));
        views = await waitFinished(ids, 240_000);
        await Promise.all(pending);
      }
    } finally {
      onWorker = undefined;
      env.pinecone.onUpserted = undefined;
      await Promise.all(pending);
    }
    // The exact kill happened, with vectors stored that no row pointed at yet.
    expect(orphansAtKill).toBeGreaterThan(0);
    let duplicates = 0;
    for (const id of ids) {
      expect(views.get(id), workerLines.slice(-40).join("\n")).toMatchObject({ status: "ready", frameCount: 6 });
      const jobId = views.get(id)!.job!.id;
      duplicates += (await expectExact(id, (killsOn.get(jobId) ?? 0) + 1)).duplicates;
    }
    expect(env.fauxqs.messages(env.names.deadLetters)).toEqual([]);
    // Faults really happened: every kill of the budget landed on an unfinished job.
    expect(kills).toBeGreaterThanOrEqual(KILLS);
    // Never two workers on one job at once: each started after the one before it was gone.
    const settled = Date.now() + 30_000;
    const lives = () => [...seen.values()].filter((s) => jobIds.has(s.jobId));
    while (lives().some((s) => s.goneAt === undefined) && Date.now() < settled) await sleep(100);
    let overlapping = 0;
    for (const jobId of jobIds) {
      const runs = lives().filter((s) => s.jobId === jobId).sort((a, b) => a.seenAt - b.seenAt);
      for (let i = 1; i < runs.length; i++) if (runs[i]!.seenAt < (runs[i - 1]!.goneAt ?? Infinity)) overlapping++;
    }
    expect(overlapping).toBe(0);
    console.info(
      JSON.stringify({
        test: "cloud kills",
        seed: random.seed,
        runs: [...seen.values()].filter((s) => jobIds.has(s.jobId)).length,
        kills: kills + late.size,
        jobKills: kills,
        overlapping,
        orphansAtKill,
        jobsCompleted: ids.length,
        duplicates,
        points,
        wallMs: Date.now() - started,
      }),
    );
  }, 480_000);

  it("retries a job whose database went away mid-job, and finishes it exactly", async () => {
    const id = await upload(photo, "database-cut.mp4");
    const jobId = (await Video.get(services, TENANT, id)).job!.id;
    const deadline = Date.now() + 120_000;
    while ((await Job.get(direct.db, jobId))!.checkpoint < 1) {
      expect(Date.now(), "no batch committed in time").toBeLessThan(deadline);
      await sleep(20);
    }
    const lines = workerLines.length;
    // Down until the worker gave up and its task stopped, so the stop event meets the outage too.
    proxy.cut();
    const cutAt = Date.now();
    const worker = [...seen.values()].find((s) => s.jobId === jobId)!;
    while (worker.goneAt === undefined && Date.now() - cutAt < 30_000) await sleep(50);
    await sleep(2000);
    proxy.restore();
    const outageMs = Date.now() - cutAt;
    expect(worker.goneAt, "the worker outlived the outage").toBeDefined();
    expect(proxy.refused).toBeGreaterThan(0); // the worker tried while it was down
    const view = (await waitFinished([id], 120_000)).get(id)!;
    expect(view, workerLines.slice(lines).join("\n")).toMatchObject({ status: "ready", frameCount: 6 });
    // The attempt failed as transient (not as bad input), and the next one finished the job.
    expect(workerLines.slice(lines).some((line) => line.includes('"msg":"job attempt failed, will retry"') && line.includes(jobId))).toBe(true);
    const { duplicates } = await expectExact(id, 2);
    expect(env.fauxqs.messages(env.names.deadLetters)).toEqual([]);
    console.info(
      JSON.stringify({ test: "database cut", database: env.database.name, outageMs, refused: proxy.refused, attempts: 2, jobsCompleted: 1, duplicates }),
    );
  }, 180_000);

  it("never retried the corrupt video", async () => {
    const view = await Video.get(services, TENANT, corruptId);
    expect(view).toMatchObject({ status: "failed", error: { code: "media.corrupt" }, job: { status: "failed", attempts: 1 } });
    expect([...seen.values()].filter((s) => s.jobId === view.job!.id)).toHaveLength(1);
    expect(env.fauxqs.messages(env.names.jobs)).toEqual([]);
    expect(env.fauxqs.messages(env.names.deadLetters)).toEqual([]);
    expect(env.fauxqs.messages(env.names.alerts)).toEqual([]);
    expect(await services.blobs.list(`${TENANT}/videos/${corruptId}/`)).toEqual([]);
  });
});
