/**
 * `npm run rehearse`: a first deploy and a first day, on one machine, without AWS.
 *
 * Builds every function as `sst deploy` builds it (native packages for linux x64, the model layer
 * fetched from a model hub at the pinned revision), reports each asset against Lambda's limits,
 * installs the worker image's dependencies as its Dockerfile does and bakes its model, starts the
 * emulators (fauxqs for S3/SQS/SNS, the Pinecone-protocol server, PostgreSQL, cognito-local), and
 * then drives the BUILT bundles, each in its own Node process as Lambda runs it: migrate and
 * pinecone-index as the deploy's scripts, the API behind a local API Gateway (JWT authorizer,
 * 6 MB payload limit), the dispatcher fed by the jobs queue with worker processes started from
 * the image folder, the intake function with S3's events for a drop into `incoming/`, and the
 * real `vos` CLI (login, ingest, picture search) against the gateway. The first word search is
 * timed from a fresh API process, and a last one in French goes through another model's text
 * tower (VOS_CLIP_TEXT_MODEL), which the API downloads from the hub into /tmp on first use.
 * Prints a table; writes rehearsal/results/latest.json.
 *
 * What AWS itself provides is stood in for: CloudFormation's resource names (local ones), the
 * event source mappings (a loop that receives and deletes, as Lambda's poller does), ECS (worker
 * processes, the path `sst dev` takes with local workers), EventBridge (the intake event built as
 * S3 sends it), Secrets Manager (a database URL).
 *
 *   npm run rehearse [-- --keep]      --keep leaves .sst/rehearsal for inspection
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import postgres from "postgres";
import { benchModelDir } from "../bench/support/bench-model.js";
import { paddedVideo } from "../packages/cli/test/support/padded-video.js";
import { intakeSqsEvent } from "../packages/core/src/runtime/cloud/intake.js";
import { writeTestTextModel } from "../packages/core/scripts/test-text-model.js";
import { startHubServer } from "../packages/core/test/support/hub-server.js";
import { syntheticVideo, textAsMp4 } from "../packages/core/test/support/videos.js";
import { measureImage, NOT_IN_IMAGE } from "../packages/worker/scripts/measure-image.js";
import { OPEN_ROUTES } from "../stacks/Api.js";
import { folderBytes } from "../stacks/bundling.js";
import { buildApp, measureFunctions, measureLayers, type BuiltFunction } from "./build.js";
import { functionEnvironment } from "./environment.js";
import { feedFromQueue } from "./event-source.js";
import { describeSize, printReport, type RehearsalResults } from "./report.js";
import { dispatchEnvironment, MODEL, startStage, TENANT, USER, workerModel } from "./stage.js";
import { startGateway } from "./support/gateway.js";
import { startFunction } from "./support/lambda.js";
import { twelveMegapixelPhoto } from "./support/photo.js";
import { run } from "./support/process.js";
import { mb, Steps, waitFor } from "./support/steps.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const WORK = path.join(ROOT, ".sst", "rehearsal");
const RESULTS = path.join(ROOT, "rehearsal", "results", "latest.json");
const STAGE = "rehearsal";
const WORKER_NODE_MODULES_LIMIT = 500 * 1e6;
/** A sentence-transformers text model's hub id (generated: 512 values, as the stage's model). */
const TEXT_MODEL = "vos-rehearsal/text-multilingual";

const { values: flags } = parseArgs({ options: { keep: { type: "boolean", default: false } } });
const log = (line: string) => process.stderr.write(`${line}\n`);
const steps = new Steps(log);
const cleanups: (() => Promise<unknown>)[] = [];
const results: RehearsalResults = { functions: [], layers: [], steps: steps.results, coldSearchMs: null, workerNodeModulesBytes: null };

async function main() {
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });

  // The image install waits on the package registry, the build and the model on the CPU: they
  // run side by side, and only the image's model bake waits for the hub.
  const hubReady = steps.run("model hub", async () => {
    const model = await benchModelDir();
    // A 40-hex revision, as a pinned hub commit looks (the deploy trusts files fetched for a commit).
    const revision = createHash("sha1").update(JSON.stringify(model.info)).digest("hex");
    const server = await startHubServer(MODEL, [revision], model.dir);
    cleanups.push(() => server.close());
    return { detail: `${MODEL}@${revision.slice(0, 8)} served from ${path.relative(ROOT, model.dir)}${model.generated ? " (generated now)" : ""}`, value: { server, revision } };
  });

  const hubFor = async (what: string) => {
    const ready = await hubReady;
    if (!ready) throw new Error(`no model hub for ${what}`);
    return ready;
  };
  const workerDirReady = steps.run("worker image: install, bake the model, self-check, as the Dockerfile does", async () => {
    const measured = await measureImage({
      keep: true,
      top: 10_000,
      log: (line) => log(`  ${line}`),
      // The Dockerfile's model stage: the same revision as the API's layer, fetched from the hub.
      prepare: async (dir) => {
        const hub = await hubFor("the model bake");
        const model = workerModel(dir, hub.revision);
        await run(process.execPath, ["--import", "tsx", "packages/worker/scripts/bake-model.ts"], {
          cwd: dir,
          env: { ...process.env, ...model, VOS_HF_ENDPOINT: hub.server.endpoint, VOS_LOG_LEVEL: "warn" },
        });
        return { ...model, VOS_MODEL_DOWNLOAD: "off" };
      },
    });
    cleanups.push(async () => {
      if (!flags.keep) fs.rmSync(measured.dir!, { recursive: true, force: true });
    });
    results.workerNodeModulesBytes = measured.nodeModulesBytes;
    if (measured.nodeModulesBytes > WORKER_NODE_MODULES_LIMIT) throw new Error(`node_modules is ${mb(measured.nodeModulesBytes)}, over ${mb(WORKER_NODE_MODULES_LIMIT)}`);
    const forbidden = NOT_IN_IMAGE.filter((name) => measured.packages.some((pkg) => pkg.name === name));
    if (forbidden.length > 0) throw new Error(`the image would carry ${forbidden.join(", ")}`);
    if (!measured.check?.ok) throw new Error(`the worker's self-check failed: ${measured.check?.output ?? "it did not run"}`);
    // The detector's thread starts from the image's bundle too, as the task itself does.
    if (!measured.check.output.includes('"thread":"bundle"')) throw new Error(`the detector's thread did not start from the image's bundle:\n${measured.check.output}`);
    return {
      detail: `node_modules ${mb(measured.nodeModulesBytes)} (limit ${mb(WORKER_NODE_MODULES_LIMIT)}, ${measured.packageCount} packages), installed in ${(measured.installMs / 1000).toFixed(0)} s; model baked; self-check ok in ${(measured.check.ms / 1000).toFixed(1)} s, the detector's thread from the bundle`,
      value: measured.dir!,
    };
  });

  const built = await steps.run("build as sst deploy does", async () => {
    const hub = await hubFor("the build");
    const app = await buildApp({
      stage: STAGE,
      outdir: path.join(WORK, "cdk.out"),
      env: {
        VOS_SKIP_WEB_BUILD: "placeholder",
        VOS_CLIP_MODEL: MODEL,
        VOS_CLIP_REVISION: hub.revision,
        VOS_EMBED_DIMENSION: "512",
        VOS_HF_ENDPOINT: hub.server.endpoint,
        VOS_ALERT_EMAIL: "ops@example.com",
      },
    });
    return { detail: `${app.functions.length} functions (${app.functions.map((f) => f.name).join(", ")}) in ${(app.ms / 1000).toFixed(1)} s`, value: app };
  });

  await steps.run("function sizes against Lambda's limits", async () => {
    const sizes = await measureFunctions(built!.functions);
    results.functions = sizes;
    results.layers = await measureLayers(built!.functions);
    const over = sizes.filter((size) => !size.ok);
    if (over.length > 0) throw new Error(`over their limits: ${over.map(describeSize).join("; ")}`);
    const api = sizes.find((size) => size.name === "api")!;
    const largestOther = Math.max(...sizes.filter((size) => size.name !== "api").map((size) => size.unzippedBytes));
    return { detail: `${describeSize(api)}; the largest other function ${mb(largestOther)} (target ${mb(15e6)})`, value: sizes };
  });

  const [hub, workerDir] = await Promise.all([hubReady, workerDirReady]);

  const services = await steps.run("emulators and the stage's resources", async () => {
    const value = await startStage(hub!.revision);
    cleanups.push(() => value.stop());
    return { detail: `fauxqs ${value.fauxqs.endpoint}, Pinecone protocol ${value.pinecone.url}, ${value.database.name}, cognito-local ${value.cognito.endpoint}`, value };
  });
  const fn = (name: string) => built?.functions.find((f) => f.name === name);
  const env = (name: string, extra: Record<string, string> = {}) => ({ ...functionEnvironment(fn(name)!, services!.local), ...extra });

  await steps.run("migrate (the deploy's script)", async () => {
    const { result } = await invokeOnce(fn("migrate")!, env("migrate"), {});
    const sql = postgres(services!.database.url, { max: 1, onnotice: () => {} });
    const tables = await sql<{ name: string }[]>`select table_name as name from information_schema.tables where table_schema = 'public'`.finally(() => sql.end());
    const names = tables.map((t) => t.name).sort();
    for (const table of ["video", "job", "frame"]) if (!names.includes(table)) throw new Error(`no ${table} table after migrating (have ${names.join(", ")})`);
    return { detail: `${JSON.stringify(result)}; ${names.length} tables`, value: undefined };
  });

  await steps.run("pinecone-index (the deploy's script)", async () => {
    const { result } = await invokeOnce<{ index: string; created: boolean; dimension: number }>(fn("pinecone-index")!, env("pinecone-index"), {});
    if (!result.created || result.dimension !== 512) throw new Error(`unexpected answer ${JSON.stringify(result)}`);
    return { detail: `created ${result.index} (${result.dimension} dimensions, cosine)`, value: undefined };
  });

  // The API behind the gateway, as the stage serves it.
  const api = await steps.run("API: cold start behind the gateway", async () => {
    const instance = await startFunction(fn("api")!, env("api"), { echo: quiet });
    const gateway = await startGateway(instance, { openRoutes: OPEN_ROUTES, authorizer: { issuer: services!.cognito.issuer, clientId: services!.cognito.clientId } });
    cleanups.push(() => gateway.close());
    const state = { instance, gateway };
    cleanups.push(() => state.instance.stop());
    const health = await fetch(`${gateway.url}/api/health`);
    const auth = (await (await fetch(`${gateway.url}/api/auth`)).json()) as { kind: string };
    const refused = await fetch(`${gateway.url}/api/videos`);
    if (health.status !== 200 || auth.kind !== "cognito" || refused.status !== 401) throw new Error(`health ${health.status}, auth ${auth.kind}, unsigned ${refused.status}`);
    return { detail: `bundle imported in ${instance.importMs} ms; health 200, sign-in via cognito, unsigned request 401 at the gateway`, value: state };
  });

  const token = await steps.run("sign in (Cognito)", async () => {
    const tokens = await services!.cognito.signIn(USER.email, USER.password);
    return { detail: `access token for ${USER.email} (tenant ${TENANT})`, value: tokens.AccessToken };
  });
  const call = async <T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${api!.gateway.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const video = (id: string) => call<{ id: string; status: string; frameCount: number; objectCount: number; error: { code: string; message: string } | null }>("GET", `/api/videos/${id}`).then((r) => r.body);
  const ready = (id: string, timeoutMs = 240_000) =>
    waitFor(`video ${id} to be processed`, async () => {
      const v = await video(id);
      if (v.status === "failed") throw new Error(`video ${id} failed: ${v.error?.code}: ${v.error?.message}`);
      return v.status === "ready" ? v : undefined;
    }, timeoutMs, 500);

  const source = path.join(WORK, "colours-10mb.mp4");
  const uploaded = await steps.run("API: register, presigned multipart upload, complete", async () => {
    // The colour clip padded to 10 MiB (padding the probe skips): one 16 MiB part, as the API
    // slices uploads. fauxqs takes request bodies of at most 11 MiB, so larger files, in several
    // parts, are left to the CLI's tests (which run the S3 adapter with 8 MiB parts).
    const padded = await paddedVideo(WORK, path.basename(source), 10 * 1024 * 1024);
    const file = fs.readFileSync(padded.file);
    const created = await call<{ video: { id: string }; upload: { kind: string; partBytes: number; parts: { partNumber: number; url: string }[] } }>("POST", "/api/videos", {
      filename: "colours.mp4",
      sizeBytes: file.length,
      contentType: "video/mp4",
    });
    if (created.status !== 201 || created.body.upload.kind !== "multipart") throw new Error(`register answered ${created.status} ${JSON.stringify(created.body).slice(0, 200)}`);
    const { partBytes, parts } = created.body.upload;
    const etags = await Promise.all(
      parts.map(async (part) => {
        const response = await fetch(part.url, { method: "PUT", body: file.subarray((part.partNumber - 1) * partBytes, part.partNumber * partBytes) });
        if (!response.ok) throw new Error(`part ${part.partNumber}: S3 answered ${response.status}`);
        return { partNumber: part.partNumber, etag: response.headers.get("etag")! };
      }),
    );
    const completed = await call<{ status: string }>("POST", `/api/videos/${created.body.video.id}/complete`, { parts: etags });
    if (completed.status !== 202 || completed.body.status !== "queued") throw new Error(`complete answered ${completed.status} ${JSON.stringify(completed.body)}`);
    const stored = await new S3Client({ region: "us-east-1", forcePathStyle: true }).send(
      new HeadObjectCommand({ Bucket: services!.names.uploads, Key: `${TENANT}/videos/${created.body.video.id}/source.mp4` }),
    );
    if (stored.ContentLength !== file.length) throw new Error(`S3 holds ${stored.ContentLength} bytes, not ${file.length}`);
    return { detail: `${created.body.video.id}: ${mb(file.length)} in ${parts.length} part(s) of up to ${mb(partBytes)} straight to S3 (ETag ${stored.ETag}), queued`, value: created.body.video.id };
  });

  // The jobs queue's event source mapping: the dispatcher, with worker processes from the image folder.
  await steps.run("dispatch: the jobs queue's message, a worker process, ready", async () => {
    const dispatcher = await startFunction(fn("dispatch")!, dispatchEnvironment(built!, services!, workerDir!), { echo: quiet });
    cleanups.push(() => dispatcher.stop());
    const mapping = feedFromQueue({ url: services!.names.jobsUrl, name: services!.names.jobs }, dispatcher);
    cleanups.push(() => mapping.stop());
    const done = await ready(uploaded!);
    return { detail: `${done.id} ready: ${done.frameCount} frames, ${done.objectCount} objects; ${mapping.invocations()} dispatch invocation(s)`, value: undefined };
  });

  await steps.run("drop folder: S3 events to the intake function", async () => {
    const intake = await startFunction(fn("intake")!, env("intake"), { echo: quiet });
    cleanups.push(() => intake.stop());
    const s3 = new S3Client({ region: "us-east-1", forcePathStyle: true });
    const put = async (key: string, file: string) => {
      const body = fs.readFileSync(file);
      const answer = await s3.send(new PutObjectCommand({ Bucket: services!.names.uploads, Key: key, Body: body }));
      return { key, sizeBytes: body.length, etag: answer.ETag! };
    };
    const clip = await put(`incoming/${TENANT}/holiday/beach day.mp4`, await syntheticVideo({ seconds: 6, width: 640, height: 360, fps: 24 }));
    const notes = await put(`incoming/${TENANT}/holiday/notes.mp4`, await textAsMp4());
    // At-least-once: the clip's event arrives twice.
    for (const objects of [[clip, notes], [clip]]) {
      const { result } = await intake.invoke<{ batchItemFailures: unknown[] }>(intakeSqsEvent(services!.names.uploads, objects));
      if (result.batchItemFailures.length > 0) throw new Error(`intake reported failures ${JSON.stringify(result.batchItemFailures)}`);
    }
    const listed = async () => (await call<{ videos: { id: string; filename: string; status: string; error: { code: string } | null }[] }>("GET", "/api/videos")).body.videos;
    const dropped = (await listed()).filter((v) => v.filename === "beach day.mp4");
    if (dropped.length !== 1) throw new Error(`the clip registered ${dropped.length} times`);
    const clipVideo = await ready(dropped[0]!.id);
    const bad = await waitFor("the text file to fail", async () => (await listed()).find((v) => v.filename === "notes.mp4" && v.status === "failed"), 120_000, 500);
    return { detail: `clip registered once and ready (${clipVideo.frameCount} frames); notes.mp4 failed with ${bad.error?.code}`, value: undefined };
  });

  const configDir = path.join(WORK, "cli-config");
  const cli = (args: string[], input?: string) =>
    run(process.execPath, [path.join(ROOT, "packages/cli/bin/vos.js"), ...args], {
      cwd: WORK,
      env: { ...process.env, VOS_API_URL: api!.gateway.url, VOS_CONFIG_DIR: configDir, VOS_LOG_LEVEL: "" },
      ...(input !== undefined ? { input } : {}),
    });
  await steps.run("CLI: vos login, vos ingest <folder> --wait", async () => {
    await cli(["login", "--email", USER.email, "--password-stdin"], `${USER.password}\n`);
    const folder = path.join(WORK, "to-ingest", "talks");
    fs.mkdirSync(folder, { recursive: true });
    fs.copyFileSync(await syntheticVideo({ seconds: 5, width: 480, height: 270, fps: 24 }), path.join(folder, "keynote.mp4"));
    const out = await cli(["ingest", path.dirname(folder), "--wait", "--json"]);
    const ingested = JSON.parse(out) as { videoId: string; status: string; frames: number }[];
    if (ingested.length !== 1 || ingested[0]!.status !== "ready") throw new Error(`vos ingest printed ${out.trim()}`);
    return { detail: `signed in, ingested ${ingested[0]!.videoId} through multipart to S3: ready, ${ingested[0]!.frames} frames`, value: undefined };
  });

  await steps.run("cold start: first word search from a fresh API process", async () => {
    await api!.instance.stop();
    const spawned = performance.now();
    const fresh = await startFunction(fn("api")!, env("api"), { echo: quiet });
    api!.instance = fresh;
    api!.gateway.use(fresh);
    const answered = await call<{ hits: { videoId: string; score: number }[] }>("POST", "/api/search", { text: "a red car on a beach", limit: 5 });
    const coldMs = Math.round(performance.now() - spawned);
    if (answered.status !== 200 || answered.body.hits.length === 0) throw new Error(`search answered ${answered.status} with ${answered.body.hits?.length ?? 0} hits`);
    const textLoad = loggedMs(fresh.lines, "clip text encoder loaded");
    results.coldSearchMs = coldMs;
    results.coldSearch = { importMs: fresh.importMs, textEncoderLoadMs: textLoad ?? -1, totalMs: coldMs };
    return {
      detail: `${(coldMs / 1000).toFixed(2)} s from spawn to answer: bundle import ${fresh.importMs} ms, text encoder load ${textLoad ?? "?"} ms; ${answered.body.hits.length} hits`,
      value: undefined,
    };
  });

  await steps.run("picture search: a 12 MP photo through the CLI", async () => {
    const photo = path.join(WORK, "photo-12mp.jpg");
    await twelveMegapixelPhoto(source, photo);
    // As sent by a client that does not shrink it: the gateway refuses it before the function.
    const form = new FormData();
    form.set("image", new Blob([fs.readFileSync(photo)], { type: "image/jpeg" }), "photo.jpg");
    const raw = await fetch(`${api!.gateway.url}/api/search/image`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form });
    if (raw.status !== 413) throw new Error(`the unshrunk ${mb(fs.statSync(photo).size)} photo was answered ${raw.status}; the gateway should refuse a body this large (refused: ${JSON.stringify(api!.gateway.refused)})`);
    const out = await cli(["search", "--image", photo, "--limit", "3", "--json"]);
    const hits = JSON.parse(out) as { videoId: string; score: number }[];
    if (hits[0]?.videoId !== uploaded) throw new Error(`the best hit is ${hits[0]?.videoId ?? "nothing"}, not the video the photo came from (${uploaded}): ${out.trim()}`);
    const visionLoad = loggedMs(api!.instance.lines, "clip vision encoder loaded");
    return {
      detail: `${mb(fs.statSync(photo).size)} photo: sent as is, 413 at the gateway (over Lambda's 6 MB event); through vos (shrunk to 1024 px) the best hit is its video (score ${hits[0]!.score.toFixed(3)}); vision encoder load ${visionLoad ?? "?"} ms`,
      value: undefined,
    };
  });

  // VOS_CLIP_TEXT_MODEL on AWS: too large for the layer, the text model downloads into /tmp on the
  // first text search (VOS_MODEL_DOWNLOAD_DIR), while the layer's model keeps downloads off.
  await steps.run("words in another language: a text model downloaded into /tmp on first use", async () => {
    const textModel = path.join(WORK, "text-model");
    await writeTestTextModel(textModel, { dimension: 512 });
    // Named as the multilingual repository names its 8-bit export.
    fs.renameSync(path.join(textModel, "onnx", "model.onnx"), path.join(textModel, "onnx", "model_quint8_avx2.onnx"));
    const revision = createHash("sha1").update("text-model").digest("hex");
    const hub = await startHubServer(TEXT_MODEL, [revision], textModel);
    cleanups.push(() => hub.close());
    await api!.instance.stop();
    const downloads = path.join(WORK, "tmp", "vos-models");
    const settings = { VOS_CLIP_TEXT_MODEL: TEXT_MODEL, VOS_CLIP_TEXT_REVISION: revision, VOS_CLIP_TEXT_ONNX: "onnx/model_quint8_avx2.onnx", VOS_HF_ENDPOINT: hub.endpoint, VOS_MODEL_DOWNLOAD_DIR: downloads };
    const fresh = await startFunction(fn("api")!, env("api", settings), { echo: quiet });
    api!.instance = fresh;
    api!.gateway.use(fresh);
    const started = performance.now();
    const answered = await call<{ hits: { videoId: string }[] }>("POST", "/api/search", { text: "une voiture rouge", limit: 5 });
    const ms = Math.round(performance.now() - started);
    if (answered.status !== 200 || answered.body.hits.length === 0) throw new Error(`search answered ${answered.status} with ${answered.body.hits?.length ?? 0} hits`);
    const fetched = hub.requests.filter((request) => request.method === "GET").map((request) => request.file);
    for (const file of ["modules.json", "2_Dense/model.safetensors", "onnx/model_quint8_avx2.onnx"]) if (!fetched.includes(file)) throw new Error(`the API did not fetch ${file} (fetched ${fetched.join(", ")})`);
    const status = await call<{ textModel: string | null }>("GET", "/api/reindex");
    if (status.body.textModel !== TEXT_MODEL) throw new Error(`GET /api/reindex names ${JSON.stringify(status.body.textModel)} as the text model`);
    return {
      detail: `first search answered in ${(ms / 1000).toFixed(2)} s with ${answered.body.hits.length} hits, after fetching the text model's ${fetched.length} files (${(folderBytes(path.join(downloads, ...TEXT_MODEL.split("/"), revision)) / 1e3).toFixed(0)} kB, generated) into /tmp; GET /api/reindex names it`,
      value: undefined,
    };
  });
}

/** One invocation of a fresh instance, as the deploy's Script custom resource runs it. */
async function invokeOnce<T = unknown>(code: BuiltFunction, env: Record<string, string>, event: unknown): Promise<{ result: T }> {
  const instance = await startFunction(code, env, { echo: quiet });
  try {
    return await instance.invoke<T>(event);
  } finally {
    await instance.stop();
  }
}

/** The `ms` of the last log line whose message is `message` (JSON log lines). */
function loggedMs(lines: string[], message: string): number | undefined {
  for (const line of [...lines].reverse()) {
    if (!line.includes(message)) continue;
    const ms = /"ms":\s*(\d+)/.exec(line)?.[1];
    if (ms) return Number(ms);
  }
  return undefined;
}

const quiet = (line: string) => {
  if (process.env.VOS_REHEARSAL_VERBOSE) log(line);
};

try {
  await main();
} catch (error) {
  log(`rehearsal stopped: ${error instanceof Error ? error.stack : String(error)}`);
  results.steps.push({ name: "rehearsal", ok: false, ms: 0, detail: error instanceof Error ? error.message : String(error) });
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  if (!flags.keep) fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
  fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2) + "\n");
  printReport(results, log);
  log(`\nWrote ${path.relative(process.cwd(), RESULTS)}`);
  const ok = results.steps.length > 0 && results.steps.every((s) => s.ok);
  process.exit(ok ? 0 : 1);
}
