import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { CONFIG_SETTINGS, loadConfig } from "../src/config.js";

describe("configuration", () => {
  it("has defaults that run with nothing set", () => {
    const config = loadConfig({}, "/srv/app");
    expect(config).toMatchObject({
      dataDir: "/srv/app/.vos",
      port: 3000,
      clipModel: "Xenova/clip-vit-base-patch32",
      sampling: { fps: 1, sceneThreshold: 0.25, dedup: true, maxGapSec: 10 },
      maxUploadBytes: 5 * 1024 ** 3,
      maxDurationSec: 3 * 3600,
    });
  });

  it("pins the default CLIP model's revision, and reads the dtype, device and download settings", () => {
    expect(loadConfig({})).toMatchObject({
      clip: { revision: "d15189d7028b43f1d3e65039190477f6af591c2a", textDtype: "fp32", visionDtype: "fp32", device: "auto" },
      modelDownload: true,
    });
    expect(loadConfig({ VOS_CLIP_MODEL: "someone/clip" }).clip.revision).toBe("main");
    const config = loadConfig({ VOS_CLIP_MODEL: "someone/clip", VOS_CLIP_REVISION: "v1.2", VOS_CLIP_DTYPE: "fp16", VOS_CLIP_TEXT_DTYPE: "q8", VOS_CLIP_DEVICE: "cuda", VOS_MODEL_DOWNLOAD: "off" });
    expect(config).toMatchObject({ clip: { revision: "v1.2", textDtype: "q8", visionDtype: "fp16", device: "cuda" }, modelDownload: false });
  });

  it("reads another model's text tower, and refuses an ONNX file outside its onnx/ folder", () => {
    expect(loadConfig({}).clip.textModel).toBeUndefined();
    const multilingual = { VOS_CLIP_TEXT_MODEL: "sentence-transformers/clip-ViT-B-32-multilingual-v1", VOS_CLIP_TEXT_REVISION: "2437c7bf1f51ba8c9d9a962dd827d3248f7d37ba", VOS_CLIP_TEXT_ONNX: "onnx/model_quint8_avx2.onnx" };
    expect(loadConfig(multilingual).clip.textModel).toEqual({ model: multilingual.VOS_CLIP_TEXT_MODEL, revision: multilingual.VOS_CLIP_TEXT_REVISION, onnxFile: "onnx/model_quint8_avx2.onnx" });
    expect(loadConfig({ VOS_CLIP_TEXT_MODEL: "/models/text" }).clip.textModel).toEqual({ model: "/models/text" });
    for (const file of ["model.onnx", "onnx/../secret.onnx", "onnx/model.bin"]) expect(() => loadConfig({ ...multilingual, VOS_CLIP_TEXT_ONNX: file })).toThrow(/VOS_CLIP_TEXT_ONNX.*expected onnx\/<name>\.onnx/s);
  });

  it("reads and converts values", () => {
    const config = loadConfig({ PORT: "8080", VOS_DEDUP: "off", VOS_SAMPLE_FPS: "0.5", VOS_DATA_DIR: "/data" });
    expect(config).toMatchObject({ port: 8080, dataDir: "/data", sampling: { dedup: false, fps: 0.5 } });
    // Segments: 300 s by default, 0 turns them off, 30 s to an hour otherwise.
    expect(loadConfig({}).segmentSec).toBe(300);
    for (const value of ["0", "30", "3600"]) expect(loadConfig({ VOS_SEGMENT_SEC: value }).segmentSec).toBe(Number(value));
  });

  it.each([
    ["PORT", "http"],
    ["PORT", "70000"],
    ["VOS_SAMPLE_FPS", "0"],
    ["VOS_DEDUP", "maybe"],
    ["VOS_WORKERS", "1.5"],
    ["VOS_LOG_LEVEL", "loud"],
    ["VOS_API_TOKEN", "short"],
    ["VOS_API_TOKEN", "has spaces in the middle"],
    ["VOS_CLIP_REVISION", "../../etc"],
    ["VOS_CLIP_DTYPE", "int4"],
    ["VOS_CLIP_DEVICE", "gpu"],
    ["VOS_MODEL_DOWNLOAD", "maybe"],
    ["VOS_SEGMENT_SEC", "10"],
    ["VOS_SEGMENT_SEC", "-1"],
    ["VOS_SEGMENT_SEC", "3601"],
    ["VOS_SEGMENT_SEC", "two minutes"],
  ])("stops on %s=%s with a message naming the setting", (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(expect.objectContaining({ code: "config.invalid", message: expect.stringContaining(`${name}=`) }));
  });

  it("is documented in the README, every setting with its default", async () => {
    const readme = await readFile(new URL("../../../README.md", import.meta.url), "utf8");
    for (const setting of CONFIG_SETTINGS) {
      // An optional setting (no default) reads "(unset)" in the table.
      const shown = setting.default === undefined ? "\\(unset\\)" : `\`${String(setting.default).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\``;
      expect(readme).toMatch(new RegExp(`\\| \`${setting.name}\` \\| ${shown} \\|`));
    }
  });
});
