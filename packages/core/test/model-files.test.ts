import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { AutoConfig, CLIPTextModelWithProjection, env, Tensor } from "@huggingface/transformers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { modelLoaders } from "../src/runtime/shared.js";
import { clipFiles, fetchModelFiles, hubCacheFolder, loadClipEmbedder, type FetchEvent } from "../src/embedder/index.js";
import { startHubServer, type HubServer } from "./support/hub-server.js";
import { testModelDir } from "./support/test-model.js";

const MODEL = "vos-test/clip-colours";
const PINNED = "0123456789abcdef0123456789abcdef01234567";
const TEXT_Q8 = clipFiles({ halves: ["text"], textDtype: "q8" });
const BOTH = clipFiles({ halves: ["text", "vision"], textDtype: "q8", visionDtype: "fp32" });

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Every file under `dir`, relative, sorted (temporary files would show here). */
async function listed(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

describe("clipFiles", () => {
  it("lists config.json, each half's own files, and the ONNX file of its dtype", () => {
    expect(clipFiles({ halves: ["text"] })).toEqual(["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/text_model.onnx"]);
    expect(clipFiles({ halves: ["vision"], visionDtype: "fp16" })).toEqual(["config.json", "preprocessor_config.json", "onnx/vision_model_fp16.onnx"]);
    expect(BOTH).toEqual(["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/text_model_quantized.onnx", "preprocessor_config.json", "onnx/vision_model.onnx"]);
  });

  it("places hub files where transformers.js's file cache keys them", () => {
    expect(hubCacheFolder("/c", "a/b", "main")).toBe(path.join("/c", "a", "b"));
    expect(hubCacheFolder("/c", "a/b", PINNED)).toBe(path.join("/c", "a", "b", PINNED));
  });
});

describe("fetchModelFiles from a hub", () => {
  let source: string;
  let hub: HubServer;
  const temps: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "vos-fetch-"));
    temps.push(dir);
    return dir;
  };

  beforeAll(async () => {
    source = await testModelDir();
    hub = await startHubServer(MODEL, [PINNED, "main"], source);
  });
  afterAll(async () => {
    await hub.close();
    await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("downloads a pinned revision into the cache layout that from_pretrained reads with local_files_only", async () => {
    const cacheDir = await tempDir();
    const events: FetchEvent[] = [];
    const fetched = await fetchModelFiles({ model: MODEL, revision: PINNED, files: TEXT_Q8, cacheDir, endpoint: hub.endpoint, log: (e) => events.push(e) });
    expect(fetched.dir).toBe(path.join(cacheDir, "vos-test", "clip-colours", PINNED));
    expect(await listed(cacheDir)).toEqual(TEXT_Q8.map((f) => path.join("vos-test", "clip-colours", PINNED, f)).sort());
    for (const f of fetched.files) {
      expect(f.action).toBe("downloaded");
      expect(await readFile(f.path)).toEqual(await readFile(path.join(source, f.file)));
    }
    expect(events.map((e) => e.event)).toEqual(TEXT_Q8.map(() => "downloaded"));
    expect(hub.requests.every((r) => r.revision === PINNED)).toBe(true);
    expect(fetched.settings("/var/task/models")).toEqual({
      VOS_CLIP_MODEL: MODEL,
      VOS_CLIP_REVISION: PINNED,
      VOS_MODEL_CACHE: "/var/task/models",
      VOS_MODEL_DOWNLOAD: "off",
    });

    // transformers.js finds them by itself, by hub id and revision, without the network.
    const options = { revision: PINNED, cache_dir: cacheDir, local_files_only: true };
    const config = (await AutoConfig.from_pretrained(MODEL, options)) as unknown as { projection_dim: number };
    const model = await CLIPTextModelWithProjection.from_pretrained(MODEL, { ...options, dtype: "q8" });
    const tokens = (values: bigint[]) => new Tensor("int64", BigInt64Array.from(values), [1, values.length]);
    const { text_embeds } = (await model({ input_ids: tokens([1n, 2n]), attention_mask: tokens([1n, 1n]) })) as { text_embeds: Tensor };
    expect(text_embeds.dims).toEqual([1, config.projection_dim]);
    await model.dispose();
  });

  it("loads what it fetched with downloads off and embeds a text as the folder model does", async () => {
    const cacheDir = await tempDir();
    await fetchModelFiles({ model: MODEL, revision: PINNED, files: TEXT_Q8, cacheDir, endpoint: hub.endpoint });
    const before = hub.requests.length;
    const offline = await loadClipEmbedder({ model: MODEL, revision: PINNED, textDtype: "q8", allowDownload: false, cacheDir });
    const [fromCache] = await offline.embedTexts(["a red image"]);
    const [fromFolder] = await (await loadClipEmbedder({ model: source, textDtype: "q8" })).embedTexts(["a red image"]);
    expect(Array.from(fromCache!)).toEqual(Array.from(fromFolder!));
    expect(offline.model).toBe(MODEL);
    expect(hub.requests.length).toBe(before);

    // The vision half was never fetched: with downloads off it fails at once, saying what to do.
    const error = await offline.embedImages([{ data: new Uint8Array(3 * 4 * 4), width: 4, height: 4 }]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "embedder.model_unavailable", status: 503 });
    const message = (error as Error).message;
    for (const part of [`'${MODEL}'`, PINNED, "vision fp32", "preprocessor_config.json", "onnx/vision_model.onnx", hubCacheFolder(cacheDir, MODEL, PINNED), "VOS_MODEL_DOWNLOAD"]) {
      expect(message).toContain(part);
    }
    expect(message).not.toContain("tokenizer.json");
    expect(hub.requests.length).toBe(before);
  });

  it("skips files already in place after a size check, and fetches a damaged one again", async () => {
    const cacheDir = await tempDir();
    await fetchModelFiles({ model: MODEL, revision: PINNED, files: TEXT_Q8, cacheDir, endpoint: hub.endpoint });
    const onnx = path.join(hubCacheFolder(cacheDir, MODEL, PINNED), "onnx/text_model_quantized.onnx");
    await truncate(onnx, 100);
    const before = hub.requests.length;
    const again = await fetchModelFiles({ model: MODEL, revision: PINNED, files: TEXT_Q8, cacheDir, endpoint: hub.endpoint });
    expect(again.files.map((f) => [f.file, f.action])).toEqual(TEXT_Q8.map((f) => [f, f.endsWith(".onnx") ? "downloaded" : "present"]));
    expect(hub.requests.slice(before).map((r) => `${r.method} ${r.file}`)).toEqual([...TEXT_Q8.map((f) => `HEAD ${f}`), "GET onnx/text_model_quantized.onnx"]);
    expect(await readFile(onnx)).toEqual(await readFile(path.join(source, "onnx/text_model_quantized.onnx")));
  });

  it("retries 503s and a connection cut mid-file, and never leaves part of a file", async () => {
    const cacheDir = await tempDir();
    const events: FetchEvent[] = [];
    hub.failNext("tokenizer.json", 2);
    hub.cutNext("onnx/text_model_quantized.onnx");
    const fetched = await fetchModelFiles({ model: MODEL, revision: PINNED, files: TEXT_Q8, cacheDir, endpoint: hub.endpoint, retryDelaysMs: [5, 5, 5], log: (e) => events.push(e) });
    expect(events.filter((e) => e.event === "retry").map((e) => e.file)).toEqual(["tokenizer.json", "tokenizer.json", "onnx/text_model_quantized.onnx"]);
    for (const f of fetched.files) expect(await readFile(f.path)).toEqual(await readFile(path.join(source, f.file)));
    expect(await listed(cacheDir)).toEqual(TEXT_Q8.map((f) => path.join("vos-test", "clip-colours", PINNED, f)).sort());
  });

  it("gives up after its retries with model.download_failed, keeping only whole files", async () => {
    const cacheDir = await tempDir();
    hub.failNext("tokenizer.json", 10);
    const error = await fetchModelFiles({ model: MODEL, revision: PINNED, files: TEXT_Q8, cacheDir, endpoint: hub.endpoint, retryDelaysMs: [1, 1] }).catch((e: unknown) => e);
    hub.failNext("tokenizer.json", 0);
    expect(error).toMatchObject({ code: "model.download_failed", permanent: false });
    expect((error as Error).message).toContain("tokenizer.json");
    expect((error as Error).message).toContain("after 3 attempts: HTTP 503");
    expect(await listed(cacheDir)).toEqual([path.join("vos-test", "clip-colours", PINNED, "config.json")]);
  });

  it("names an unknown revision, model or file (404), without retrying or writing anything", async () => {
    const cacheDir = await tempDir();
    const attempt = (model: string, revision: string, files: string[]) =>
      fetchModelFiles({ model, revision, files, cacheDir, endpoint: hub.endpoint, retryDelaysMs: [60_000] }).then(
        () => new Error("fetched"),
        (e: unknown) => e as Error,
      );
    const revision = await attempt(MODEL, "feedface", TEXT_Q8);
    expect(revision).toMatchObject({ code: "model.not_found", status: 404 });
    expect(revision.message).toContain(`revision 'feedface' of '${MODEL}'`);
    expect(revision.message).toContain("RevisionNotFound");
    expect((await attempt("vos-test/other", PINNED, TEXT_Q8)).message).toContain("model 'vos-test/other'");
    const file = await attempt(MODEL, PINNED, ["config.json", "onnx/text_model_int4.onnx"]);
    expect(file.message).toContain(`onnx/text_model_int4.onnx of '${MODEL}' at revision ${PINNED}`);
    expect(await listed(cacheDir)).toEqual([path.join("vos-test", "clip-colours", PINNED, "config.json")]);
  });

  it("refuses a model id or revision that would climb out of the cache folder", async () => {
    const cacheDir = await tempDir();
    for (const [model, revision] of [["owner/../../etc", "main"], [MODEL, "../../etc"], [MODEL, "a//b"]] as const) {
      const error = await fetchModelFiles({ model, revision, files: ["config.json"], cacheDir, endpoint: hub.endpoint }).catch((e: unknown) => e);
      expect(error, `${model} ${revision}`).toMatchObject({ code: expect.stringMatching(/^model\.(not_found|invalid_revision)$/) });
    }
    const file = await fetchModelFiles({ model: MODEL, revision: PINNED, files: ["../config.json"], cacheDir, endpoint: hub.endpoint }).catch((e: unknown) => e);
    expect(file).toMatchObject({ code: "model.invalid_file" });
    expect(await listed(cacheDir)).toEqual([]);
  });

  it("fails on the network with model.download_failed naming the address", async () => {
    const cacheDir = await tempDir();
    const port = await closedPort();
    const error = await fetchModelFiles({ model: MODEL, files: ["config.json"], cacheDir, endpoint: `http://127.0.0.1:${port}`, retryDelaysMs: [1] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "model.download_failed" });
    expect((error as Error).message).toContain(`after 2 attempts: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect((error as Error).message).toContain("revision main"); // the default for any model but the default one
  });

  it("sends the token as a bearer token", async () => {
    const before = hub.requests.length;
    await fetchModelFiles({ model: MODEL, revision: "main", files: ["config.json"], cacheDir: await tempDir(), endpoint: hub.endpoint, token: "hf_test_token" });
    expect(hub.requests.slice(before).map((r) => r.authorization)).toEqual(["Bearer hf_test_token"]);
  });

  it("lets the embedder download only the half it loads, at the pinned revision", async () => {
    const cacheDir = await tempDir();
    const before = hub.requests.length;
    const embedder = await loadClipEmbedder({ model: MODEL, revision: PINNED, textDtype: "q8", cacheDir, endpoint: hub.endpoint });
    expect(await embedder.embedTexts(["a blue image"])).toHaveLength(1);
    expect(hub.requests.slice(before).map((r) => `${r.method} ${r.revision} ${r.file}`)).toEqual(TEXT_Q8.map((f) => `GET ${PINNED} ${f}`));
  });

  // Last: it turns transformers.js's downloads off for the rest of this file's process.
  it("runs from the settings with VOS_MODEL_DOWNLOAD=off on files a build fetched", async () => {
    const cacheDir = await tempDir();
    const fetched = await fetchModelFiles({ model: MODEL, revision: PINNED, files: TEXT_Q8, cacheDir, endpoint: hub.endpoint });
    const config = loadConfig({ ...fetched.settings(), VOS_CLIP_TEXT_DTYPE: "q8", VOS_DETECTOR: "off" });
    const before = hub.requests.length;
    const embedder = await modelLoaders(config, cacheDir).embedder();
    expect(env.allowRemoteModels).toBe(false);
    const [vector] = await embedder.embedTexts(["a yellow image"]);
    expect(vector).toHaveLength(embedder.dimension);
    expect(hub.requests.length).toBe(before);
  });
});

describe("fetchModelFiles from a folder", () => {
  it("copies the files into a folder the embedder loads as a model, with nothing else there", async () => {
    const source = await testModelDir();
    const target = await mkdtemp(path.join(os.tmpdir(), "vos-fetch-folder-"));
    try {
      await writeFile(path.join(target, "stale.txt"), "left alone");
      const fetched = await fetchModelFiles({ model: source, files: TEXT_Q8, cacheDir: target });
      expect(fetched).toMatchObject({ kind: "folder", revision: undefined, dir: target });
      expect(fetched.files.every((f) => f.action === "copied")).toBe(true);
      expect(fetched.settings()).toEqual({ VOS_CLIP_MODEL: target, VOS_MODEL_DOWNLOAD: "off" });
      expect(await listed(target)).toEqual([...TEXT_Q8, "stale.txt"].sort());
      const again = await fetchModelFiles({ model: source, files: TEXT_Q8, cacheDir: target });
      expect(again.files.every((f) => f.action === "present")).toBe(true);
      const [vector] = await (await loadClipEmbedder({ model: target, textDtype: "q8", allowDownload: false })).embedTexts(["a green image"]);
      const [expected] = await (await loadClipEmbedder({ model: source, textDtype: "q8" })).embedTexts(["a green image"]);
      expect(dot(vector!, expected!)).toBeCloseTo(1, 6);
      const missing = await fetchModelFiles({ model: source, files: ["onnx/text_model_int4.onnx"], cacheDir: target }).catch((e: unknown) => e);
      expect(missing).toMatchObject({ code: "model.not_found" });
      expect((missing as Error).message).toContain("onnx/text_model_int4.onnx");
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  });
});
