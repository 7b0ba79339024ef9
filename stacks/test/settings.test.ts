import { describe, expect, it } from "vitest";
import { DEFAULT_CLIP_REVISION } from "../../packages/core/src/embedder/files.js";
import { readSettings } from "../Secrets.js";
import { webSource } from "../Web.js";

describe("deploy-time settings", () => {
  it("defaults to CLIP ViT-B/32, a 512-wide index named after the stage, and a small fleet outside prod", () => {
    expect(readSettings("dev", {})).toMatchObject({
      clipModel: "Xenova/clip-vit-base-patch32",
      embedDimension: 512,
      pineconeIndex: "vos-dev-512",
      alertEmail: "",
      webOrigin: "*",
      gpuInstanceType: "g4dn.xlarge",
      maxTasks: 2,
      clipRevision: DEFAULT_CLIP_REVISION,
      apiClipDtype: "q8",
      devWorkers: "local",
    });
    expect(readSettings("prod", {}).maxTasks).toBe(8);
  });

  it("pins the model's revision for the API and the workers alike: the default model's commit, else main", () => {
    expect(readSettings("dev", { VOS_CLIP_MODEL: "Xenova/clip-vit-large-patch14" }).clipRevision).toBe("main");
    expect(readSettings("dev", { VOS_CLIP_REVISION: "0123456789abcdef0123456789abcdef01234567" }).clipRevision).toBe("0123456789abcdef0123456789abcdef01234567");
    expect(() => readSettings("dev", { VOS_CLIP_REVISION: "../main" })).toThrow(/VOS_CLIP_REVISION/);
  });

  it("takes the API's model files and where sst dev runs jobs from named choices", () => {
    expect(readSettings("dev", { VOS_API_CLIP_DTYPE: "fp16", VOS_DEV_WORKERS: "ecs" })).toMatchObject({ apiClipDtype: "fp16", devWorkers: "ecs" });
    expect(() => readSettings("dev", { VOS_API_CLIP_DTYPE: "int4" })).toThrow(/VOS_API_CLIP_DTYPE="int4": expected fp32, fp16, q8/);
    expect(() => readSettings("dev", { VOS_DEV_WORKERS: "docker" })).toThrow(/VOS_DEV_WORKERS="docker": expected local/);
  });

  it("reads another model's text tower for the API as a hub id, its revision and ONNX file", () => {
    expect(readSettings("dev", {}).clipTextModel).toBeUndefined();
    expect(readSettings("dev", { VOS_CLIP_TEXT_MODEL: "sentence-transformers/clip-ViT-B-32-multilingual-v1" }).clipTextModel).toEqual({ model: "sentence-transformers/clip-ViT-B-32-multilingual-v1", revision: "main" });
    const pinned = { VOS_CLIP_TEXT_MODEL: "sentence-transformers/clip-ViT-B-32-multilingual-v1", VOS_CLIP_TEXT_REVISION: "2437c7bf1f51ba8c9d9a962dd827d3248f7d37ba", VOS_CLIP_TEXT_ONNX: "onnx/model_quint8_avx2.onnx" };
    expect(readSettings("dev", pinned).clipTextModel).toEqual({ model: pinned.VOS_CLIP_TEXT_MODEL, revision: pinned.VOS_CLIP_TEXT_REVISION, onnxFile: pinned.VOS_CLIP_TEXT_ONNX });
    expect(() => readSettings("dev", { VOS_CLIP_TEXT_MODEL: "./models/multilingual" })).toThrow(/VOS_CLIP_TEXT_MODEL="\.\/models\/multilingual": expected a hub id .* a folder cannot ship/);
    expect(() => readSettings("dev", { ...pinned, VOS_CLIP_TEXT_REVISION: "../main" })).toThrow(/VOS_CLIP_TEXT_REVISION/);
    expect(() => readSettings("dev", { ...pinned, VOS_CLIP_TEXT_ONNX: "model.onnx" })).toThrow(/VOS_CLIP_TEXT_ONNX="model\.onnx": expected onnx\/<name>\.onnx/);
  });

  it("derives the dimension from a known model and names the index after it", () => {
    const settings = readSettings("Feature_X", { VOS_CLIP_MODEL: "Xenova/clip-vit-large-patch14" });
    expect(settings.embedDimension).toBe(768);
    expect(settings.pineconeIndex).toBe("vos-feature-x-768");
  });

  it("admits the web origin, and the Vite dev server outside prod", () => {
    expect(readSettings("dev", {}).webOrigins).toEqual(["*"]);
    expect(readSettings("dev", { VOS_WEB_ORIGIN: "https://videos.example.com" }).webOrigins).toEqual(["https://videos.example.com", "http://localhost:5173"]);
    expect(readSettings("prod", { VOS_WEB_ORIGIN: "https://videos.example.com" }).webOrigins).toEqual(["https://videos.example.com"]);
  });

  it("needs the dimension of an unknown model", () => {
    expect(() => readSettings("dev", { VOS_CLIP_MODEL: "acme/clip-custom" })).toThrow(/VOS_EMBED_DIMENSION/);
    expect(readSettings("dev", { VOS_CLIP_MODEL: "acme/clip-custom", VOS_EMBED_DIMENSION: "1024" }).embedDimension).toBe(1024);
  });

  it("stops on a wrong value and names the setting", () => {
    expect(() => readSettings("dev", { VOS_ALERT_EMAIL: "ops" })).toThrow(/VOS_ALERT_EMAIL/);
    expect(() => readSettings("dev", { VOS_WEB_ORIGIN: "https://videos.example.com/app" })).toThrow(/VOS_WEB_ORIGIN/);
    expect(() => readSettings("dev", { VOS_MAX_TASKS: "0" })).toThrow(/VOS_MAX_TASKS/);
    expect(() => readSettings("dev", { VOS_WORKER_CPU: "lots" })).toThrow(/VOS_WORKER_CPU/);
    expect(() => readSettings("dev", { VOS_PINECONE_INDEX: "Has_Capitals" })).toThrow(/VOS_PINECONE_INDEX/);
  });

  it("accepts only task sizes Fargate offers", () => {
    expect(readSettings("dev", { VOS_WORKER_CPU: "2048", VOS_WORKER_MEMORY: "16384" })).toMatchObject({ workerCpu: 2048, workerMemory: 16384 });
    expect(() => readSettings("dev", { VOS_WORKER_CPU: "3000" })).toThrow(/VOS_WORKER_CPU=3000/);
    expect(() => readSettings("dev", { VOS_WORKER_CPU: "1024", VOS_WORKER_MEMORY: "512" })).toThrow(/VOS_WORKER_MEMORY=512: with 1024 CPU units Fargate takes 2048 to 8192 MiB in steps of 1024/);
  });

  it("builds the web UI unless told to skip it", () => {
    expect(webSource("/nowhere", {})).toEqual({ path: "packages/web", buildCommand: "npm run build:site", buildOutput: "dist-site" });
    expect(webSource("/nowhere", { VOS_SKIP_WEB_BUILD: "1" })).toEqual({ path: "stacks/web-placeholder" });
    // The placeholder whatever packages/web/dist holds (this checkout's own root).
    expect(webSource(process.cwd(), { VOS_SKIP_WEB_BUILD: "placeholder" })).toEqual({ path: "stacks/web-placeholder" });
  });
});
