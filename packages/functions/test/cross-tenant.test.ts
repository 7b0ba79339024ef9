/**
 * One tenant's videos, frames, objects, vectors and files are out of every other tenant's reach,
 * through the HTTP API, on both runtimes: embedded (PGlite, pgvector, files served by the API)
 * and cloud (PostgreSQL, Pinecone namespaces, S3 with presigned URLs), each ingesting for real.
 * Alice owns a video of photographs with people in it; Bob owns a video of plain colours. Every
 * attempt Bob makes on Alice's ids must fail as if they did not exist, and leave Alice's data
 * exactly as it was. A picture Bob searched with is kept for Bob only.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Frame, loadConfig, Objects, Search, setLogLevel, setLogSink, type Services } from "@vos/core";
import { startOneMachineCloud } from "@vos/core/runtime/cloud";
import { startEmbeddedRuntime } from "@vos/core/runtime/embedded";
import type { Context } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { photoVideo, PHOTOS } from "../../cli/test/support/photo-video.js";
import { startCloudTestEnvironment } from "../../core/test/cloud/support/cloud-env.js";
import { testModelDir } from "../../core/test/support/test-model.js";
import { colourVideo } from "../../core/test/support/videos.js";
import { createApi } from "../src/api/app.js";

const ALICE = "alice";
const BOB = "bob";

/** Sampling that does not depend on scene scores: one frame a second, objects by CenterNet. */
const settings = async () => ({
  VOS_CLIP_MODEL: await testModelDir(),
  VOS_DETECTOR: "centernet",
  VOS_SAMPLE_FPS: "1",
  VOS_SCENE_THRESHOLD: "0",
  VOS_DEDUP: "false",
  VOS_LOG_LEVEL: "warn",
});

interface Runtime {
  services: Services;
  /** The cloud runtime presigns S3 URLs; the embedded one serves /api/files itself. */
  serveFiles: boolean;
  /** Every log line the runtime wrote (this process and its worker processes). */
  logs: string[];
  /** Secret values the runtime was given, which no log line may carry. */
  secrets: string[];
  close(): Promise<void>;
}

/** Collects this process's log lines (at debug level, the most there are). */
function collectLogs(): string[] {
  const lines: string[] = [];
  setLogLevel("debug");
  setLogSink((line) => lines.push(line));
  return lines;
}

const runtimes: { name: string; start(): Promise<Runtime> }[] = [
  {
    name: "the embedded runtime",
    async start() {
      const dir = await mkdtemp(path.join(tmpdir(), "vos-tenants-"));
      const logs = collectLogs();
      const runtime = await startEmbeddedRuntime(loadConfig({ VOS_DATA_DIR: dir, ...(await settings()), VOS_LOG_LEVEL: "debug" }));
      return {
        services: runtime.services,
        serveFiles: true,
        logs,
        secrets: [],
        async close() {
          await runtime.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: "the cloud runtime (S3, Pinecone, PostgreSQL)",
    async start() {
      const pineconeApiKey = "planted-pinecone-key-5b1f0c";
      const env = await startCloudTestEnvironment({ dimension: 16, pineconeApiKey, env: { ...(await settings()), VOS_LOG_LEVEL: "debug" } });
      Object.assign(process.env, env.env);
      const logs = collectLogs();
      const cloud = await startOneMachineCloud(env.env, { pollMs: 100, workerOutput: (line) => logs.push(line) });
      return {
        services: cloud.api.services,
        serveFiles: false,
        logs,
        secrets: [pineconeApiKey],
        async close() {
          await cloud.stop();
          await env.close();
        },
      };
    },
  },
];

interface VideoView {
  id: string;
  status: string;
  frameCount: number;
  objectCount: number;
  playbackUrl: string | null;
}
interface Hit {
  videoId: string;
  kind: string;
  thumbnailUrl: string;
}

describe.each(runtimes)("cross-tenant attempts on $name", ({ start }) => {
  let runtime: Runtime;
  let app: ReturnType<typeof createApi>;
  let alicesVideo: VideoView;
  let bobsVideo: VideoView;
  let alicesObject: string;

  /** The API as one tenant sees it: the composition root decides the tenant (here a test header). */
  const as = (tenant: string) => ({
    request: (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) =>
      app.request(url, {
        method,
        headers: { "x-tenant": tenant, ...(body !== undefined && !(body instanceof FormData) ? { "content-type": "application/json" } : {}), ...headers },
        ...(body instanceof FormData ? { body } : body !== undefined ? { body: JSON.stringify(body) } : {}),
      }),
    async json<T>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> {
      const response = await this.request(method, url, body);
      return { status: response.status, body: (await response.json()) as T };
    },
  });

  async function upload(tenant: string, file: string): Promise<VideoView> {
    const api = as(tenant);
    const bytes = await readFile(file);
    const created = await api.json<{ video: VideoView; upload: { kind: string; url?: string; headers?: Record<string, string>; partBytes?: number; parts?: { partNumber: number; url: string }[] } }>(
      "POST",
      "/api/videos",
      { filename: path.basename(file), sizeBytes: bytes.length, contentType: "video/mp4" },
    );
    expect(created.status).toBe(201);
    const { video, upload: target } = created.body;
    let parts: { partNumber: number; etag: string }[] | undefined;
    if (target.kind === "multipart") {
      parts = await Promise.all(
        target.parts!.map(async (part) => {
          const response = await fetch(part.url, { method: "PUT", body: bytes.subarray((part.partNumber - 1) * target.partBytes!, part.partNumber * target.partBytes!) });
          expect(response.status).toBe(200);
          return { partNumber: part.partNumber, etag: response.headers.get("etag")! };
        }),
      );
    } else {
      const put = await app.request(target.url!, { method: "PUT", headers: { ...target.headers, "x-tenant": tenant }, body: bytes });
      expect(put.status).toBe(200);
    }
    expect((await api.json("POST", `/api/videos/${video.id}/complete`, parts ? { parts } : undefined)).status).toBe(202);
    for (let i = 0; i < 900; i++) {
      const { body } = await api.json<VideoView>("GET", `/api/videos/${video.id}`);
      if (body.status === "ready" || body.status === "failed") {
        expect(body.status).toBe("ready");
        return body;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`video ${video.id} did not finish`);
  }

  /** Everything of Alice's video in the database, the vector store and the file store. */
  async function alicesData() {
    const svc = runtime.services;
    const id = alicesVideo.id;
    return {
      video: (await as(ALICE).json<VideoView>("GET", `/api/videos/${id}`)).body.status,
      frames: (await Frame.listForVideo(svc.db, id)).map((f) => f.frameNo),
      objects: await Objects.countForVideo(svc.db, id),
      embeddedObjects: (await Objects.listForVideo(svc.db, ALICE, id)).filter((o) => o.embedded).length,
      labels: (await as(ALICE).json<{ objects: { labels: unknown[] }[] }>("GET", `/api/videos/${id}/objects`)).body.objects.flatMap((o) => o.labels),
      vectors: (await svc.vectors.listIds(ALICE, `${id}#`)).sort(),
      files: (await svc.blobs.list(`${ALICE}/videos/${id}/`)).sort(),
    };
  }
  let before: Awaited<ReturnType<typeof alicesData>>;

  beforeAll(async () => {
    runtime = await start();
    app = createApi({ services: runtime.services, tenantOf: (c: Context) => c.req.header("x-tenant") ?? "nobody", serveFiles: runtime.serveFiles });
    [alicesVideo, bobsVideo] = [await upload(ALICE, await photoVideo()), await upload(BOB, await colourVideo())];
    const listed = await as(ALICE).json<{ objects: { id: string; label: string }[] }>("GET", `/api/videos/${alicesVideo.id}/objects`);
    alicesObject = listed.body.objects.find((o) => o.label === "person")!.id;
    before = await alicesData();
    expect(before.objects).toBeGreaterThan(0);
    // A vector per frame and per embedded crop (a track's crops are embedded sparsely).
    expect(before.embeddedObjects).toBeGreaterThan(0);
    expect(before.vectors.length).toBe(before.frames.length + before.embeddedObjects);
  }, 300_000);
  afterAll(async () => {
    await runtime?.close();
    setLogSink((line) => process.stderr.write(line + "\n"));
  });

  it("cannot read Alice's video, its upload state or its objects, nor see it listed", async () => {
    const bob = as(BOB);
    const id = alicesVideo.id;
    for (const url of [`/api/videos/${id}`, `/api/videos/${id}/upload`, `/api/videos/${id}/objects`]) {
      const { status, body } = await bob.json<{ code: string }>("GET", url);
      expect([url, status, body.code]).toEqual([url, 404, "video.not_found"]);
    }
    const list = await bob.json<{ videos: VideoView[] }>("GET", "/api/videos");
    expect(list.body.videos.map((v) => v.id)).toEqual([bobsVideo.id]);
  });

  it("cannot upload to, complete, retry or delete Alice's video", async () => {
    const id = alicesVideo.id;
    const attempts: [string, string, unknown, Record<string, string>?][] = [
      ["PUT", `/api/videos/${id}/upload`, undefined, { "content-type": "video/mp4" }],
      ["POST", `/api/videos/${id}/upload/parts`, undefined],
      ["POST", `/api/videos/${id}/complete`, undefined],
      ["POST", `/api/videos/${id}/retry`, undefined],
      ["DELETE", `/api/videos/${id}`, undefined],
    ];
    for (const [method, url, body, headers] of attempts) {
      const response = await app.request(url, { method, headers: { "x-tenant": BOB, ...headers }, ...(method === "PUT" ? { body: new Uint8Array(16) } : body ? { body: JSON.stringify(body) } : {}) });
      expect([method, url, response.status, ((await response.json()) as { code: string }).code]).toEqual([method, url, 404, "video.not_found"]);
    }
    expect(await alicesData()).toEqual(before);
  });

  it("cannot find Alice's objects as similar, nor label them", async () => {
    const bob = as(BOB);
    const id = encodeURIComponent(alicesObject);
    for (const [method, url, body] of [
      ["POST", `/api/objects/${id}/similar`, {}],
      ["PUT", `/api/objects/${id}/labels`, { label: "mine now", polarity: "positive" }],
      ["DELETE", `/api/objects/${id}/labels/person`, undefined],
    ] as const) {
      const { status, body: answer } = await bob.json<{ code: string }>(method, url, body);
      expect([method, url, status, answer.code]).toEqual([method, url, 404, "object.not_found"]);
    }
    expect(await alicesData()).toEqual(before);
  });

  it("finds only Bob's moments, by words, by picture, and with Alice's video id as the filter", async () => {
    const bob = as(BOB);
    // Alice's video is the one with people; Bob's has none, so a leak would rank first here.
    for (const text of ["a person", "a red image", "people at a party"]) {
      const { status, body } = await bob.json<{ hits: Hit[] }>("POST", "/api/search", { text, limit: 50 });
      expect(status).toBe(200);
      expect(body.hits.length).toBeGreaterThan(0);
      expect(new Set(body.hits.map((h) => h.videoId))).toEqual(new Set([bobsVideo.id]));
    }
    const form = new FormData();
    form.set("image", new Blob([await readFile(PHOTOS.party)], { type: "image/jpeg" }), "party.jpg");
    form.set("limit", "50");
    const byPicture = await bob.json<{ hits: Hit[] }>("POST", "/api/search/image", form);
    expect(byPicture.status).toBe(200);
    expect(new Set(byPicture.body.hits.map((h) => h.videoId))).toEqual(new Set([bobsVideo.id]));
    const filtered = await bob.json<{ hits: Hit[] }>("POST", "/api/search", { text: "a person", videoId: alicesVideo.id });
    expect(filtered).toEqual({ status: 200, body: { hits: [], modelMismatch: null } });
    // Alice still finds her people: the search works, it is only scoped.
    const alices = await as(ALICE).json<{ hits: Hit[] }>("POST", "/api/search", { text: "a person", kinds: ["object"] });
    expect(alices.body.hits.some((h) => h.videoId === alicesVideo.id)).toBe(true);
  });

  it("keeps a picture Bob searched with for Bob alone: he searches again by its id, Alice cannot", async () => {
    const bob = as(BOB);
    const photo = await readFile(PHOTOS.party);
    const form = new FormData();
    form.set("image", new Blob([photo], { type: "image/jpeg" }), "party.jpg");
    form.set("limit", "50");
    type Answer = { hits: (Hit & { score: number })[]; picture: { id: string; url: string } };
    const first = await bob.json<Answer>("POST", "/api/search/image", form);
    expect(first.status).toBe(200);
    const { id, url } = first.body.picture;
    // Kept as it was searched with: decoded, upright, at most 448 px on its short side, as a JPEG.
    const kept = await Search.keptForm(photo);
    expect(id).toBe(createHash("sha256").update(kept).digest("hex"));
    const ranked = (answer: Answer) => answer.hits.map((h) => `${h.videoId} ${h.kind} ${h.score.toFixed(6)}`);
    const again = await bob.json<Answer>("POST", `/api/search/image/${id}`, { limit: 50 });
    expect(again.status).toBe(200);
    expect(ranked(again.body)).toEqual(ranked(first.body));
    expect(again.body.picture.id).toBe(id);
    // The picture itself, as a browser fetches it: through the API's files route, or presigned from S3.
    const fetched = runtime.serveFiles ? await bob.request("GET", url) : await fetch(url);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(kept)).toBe(true);
    // Alice knows the id: it names nothing of hers.
    const alice = as(ALICE);
    const refused = await alice.json<{ code: string }>("POST", `/api/search/image/${id}`, {});
    expect([refused.status, refused.body.code]).toEqual([404, "search.picture_expired"]);
    if (runtime.serveFiles) expect((await alice.request("GET", url)).status).toBe(404);
    const invalid = await bob.json<{ code: string }>("POST", "/api/search/image/not-a-picture-id", {});
    expect([invalid.status, invalid.body.code]).toEqual([400, "request.invalid"]);
  });

  it("gets file URLs only for Bob's own files, and cannot fetch Alice's", async () => {
    const bob = as(BOB);
    const { body: own } = await bob.json<VideoView>("GET", `/api/videos/${bobsVideo.id}`);
    const { body: hits } = await bob.json<{ hits: Hit[] }>("POST", "/api/search", { text: "a red image", limit: 50 });
    const urls = [own.playbackUrl!, ...hits.hits.map((h) => h.thumbnailUrl)];
    for (const url of urls) {
      const key = decodeURIComponent(new URL(url, "http://api.local").pathname);
      expect(key).toMatch(new RegExp(`/${BOB}/videos/${bobsVideo.id}/`));
    }
    const [aliceFile] = before.files;
    expect(aliceFile).toBeDefined();
    if (runtime.serveFiles) {
      // The embedded API serves files by key: Alice's keys, straight or smuggled, are not Bob's.
      for (const key of [aliceFile!, `${BOB}/../${aliceFile}`, `${BOB}/%2e%2e/${aliceFile}`]) {
        const response = await bob.request("GET", `/api/files/${key.split("/").map((part) => (part.startsWith("%") ? part : encodeURIComponent(part))).join("/")}`);
        expect([key, response.status]).toEqual([key, 404]);
      }
      expect((await as(ALICE).request("GET", `/api/files/${aliceFile}`)).status).toBe(200);
    } else {
      // On AWS the API presigns S3 GETs for the caller's own keys only; there is no route that
      // presigns a key it is given, and none of Bob's answers named one of Alice's.
      const doc = (await (await app.request("/api/openapi.json")).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths).filter((p) => p.includes("file") || p.includes("presign"))).toEqual([]);
      expect(JSON.stringify(urls)).not.toContain(`/${ALICE}/`);
    }
    expect(await alicesData()).toEqual(before);
  });

  it("wrote no secret, signature or credential in any log line", () => {
    expect(runtime.logs.length).toBeGreaterThan(10);
    expect(runtime.logs.some((line) => line.includes('"msg":"ingested"'))).toBe(true);
    for (const line of runtime.logs) {
      for (const secret of runtime.secrets) expect(line).not.toContain(secret);
      expect(line).not.toMatch(/X-Amz-(Signature|Credential|Security-Token)=(?!\[redacted\])/i);
      expect(line).not.toMatch(/Bearer\s+(?!\[redacted\])\S/);
    }
  });
});
