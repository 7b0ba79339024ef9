import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBenchClipModel, type BenchModelInfo } from "../scripts/bench-model.js";
import { onnx } from "../scripts/onnx.js";
import { floatValues, quantiseColumns, toHalf } from "../scripts/quantize.js";
import { loadClipEmbedder } from "../src/embedder/index.js";

const { UINT8, FLOAT, FLOAT16 } = onnx.TensorProto.DataType;
const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

describe("uint8 quantisation of weights", () => {
  it("keeps every value within half a step of its column's scale, and zero exact", () => {
    const values = Float32Array.from([0.5, -0.02, 0, 3, -1, 0, 0.25, 0.01, 0, 1e-4, -2e-4, 0]); // 4 rows x 3 columns
    const { codes, scales, zeroPoints } = quantiseColumns(values, 3);
    expect(scales).toHaveLength(3);
    values.forEach((v, i) => {
      const c = i % 3;
      const back = (codes[i]! - zeroPoints[c]!) * scales[c]!;
      expect(Math.abs(back - v)).toBeLessThanOrEqual(scales[c]! / 2 + 1e-9);
      if (v === 0) expect(back).toBe(0);
    });
    // Each column uses the whole 0-255 range between its smallest and largest value (and 0).
    expect(scales[0]).toBeCloseTo(3 / 255, 7);
    expect(scales[1]).toBeCloseTo((0.01 - -1) / 255, 7);
    expect([codes[2], codes[5], codes[8], codes[11]]).toEqual([0, 0, 0, 0].map(() => zeroPoints[2]));
  });

  it("writes IEEE half floats, rounding to nearest even", () => {
    expect([1, -2, 0.5, 65504, 0, 1 / 3].map(toHalf)).toEqual([0x3c00, 0xc000, 0x3800, 0x7bff, 0, 0x3555]);
    expect(toHalf(2 ** -24)).toBe(1); // the smallest subnormal
    expect(toHalf(1e6)).toBe(0x7c00); // too large: infinity
  });
});

describe("q8 and fp16 files of the ViT-B/32-sized model (one layer a tower)", () => {
  let dir: string;
  let info: BenchModelInfo;
  const graph = async (file: string) => onnx.ModelProto.decode(await readFile(path.join(dir, file))).graph!;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "vos-quantize-"));
    info = await writeBenchClipModel(dir, { seed: 5, layers: 1, dtypes: ["q8", "fp16"] });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("turns every MatMul with a constant weight into onnxruntime's dynamic quantisation pattern", async () => {
    const fp32 = await graph("onnx/text_model.onnx");
    const q8 = await graph("onnx/text_model_quantized.onnx");
    const constant = new Set(fp32.initializer!.map((t) => t.name));
    const weighted = fp32.node!.filter((n) => n.opType === "MatMul" && constant.has(n.input![1]!));
    expect(weighted.length).toBe(6 + 1); // q, k, v, out, fc1, fc2 and the projection
    const ops = (opType: string) => q8.node!.filter((n) => n.opType === opType);
    expect(ops("MatMulInteger")).toHaveLength(weighted.length);
    // q, k and v read one activation: it is quantised once.
    expect(ops("DynamicQuantizeLinear")).toHaveLength(weighted.length - 2);
    const tensors = new Map(q8.initializer!.map((t) => [t.name, t]));
    for (const matmul of ops("MatMulInteger")) {
      const [, weight, , zeroPoint] = matmul.input!;
      const w = tensors.get(weight!)!;
      expect(w.dataType).toBe(UINT8);
      expect(tensors.get(zeroPoint!)!.dims!.map(Number)).toEqual([Number(w.dims![1])]); // per column
    }
    expect(q8.node!.filter((n) => n.opType === "MatMul" && tensors.has(n.input![1]!))).toEqual([]);
    // The token table is stored as uint8 and the gathered rows dequantised.
    const gather = q8.node!.find((n) => n.opType === "Gather")!;
    expect(tensors.get(gather.input![0]!)).toMatchObject({ dataType: UINT8 });
    expect(q8.node!.find((n) => n.input?.includes(gather.output![0]!))?.opType).toBe("DequantizeLinear");
    expect(q8.initializer!.filter((t) => t.dataType === FLOAT).reduce((sum, t) => sum + floatValues(t).length, 0)).toBeLessThan(100_000);
    expect(info.onnxBytes["onnx/text_model_quantized.onnx"]! / info.textBytes).toBeLessThan(0.27);
  });

  it("stores fp16 weights as float16 and keeps float32 inputs and outputs", async () => {
    const fp16 = await graph("onnx/vision_model_fp16.onnx");
    expect(fp16.initializer!.filter((t) => t.dataType === FLOAT16).length).toBeGreaterThan(10);
    expect(fp16.output![0]!.type!.tensorType!.elemType).toBe(FLOAT);
    expect(info.onnxBytes["onnx/vision_model_fp16.onnx"]! / info.visionBytes).toBeLessThan(0.51);
  });

  it("gives vectors close to fp32 through loadClipEmbedder at each dtype", async () => {
    const phrases = ["red car", "a dog running on a street", "a photo of a white boat at night", "words the vocabulary lacks: xylophone"];
    const reference = await loadClipEmbedder({ model: dir });
    const expected = await reference.embedTexts(phrases);
    const images = [{ data: Uint8Array.from({ length: 224 * 224 * 3 }, (_, i) => (i * 7) % 251), width: 224, height: 224 }];
    const [expectedImage] = await reference.embedImages(images);
    for (const dtype of ["q8", "fp16"] as const) {
      const embedder = await loadClipEmbedder({ model: dir, dtype });
      const texts = await embedder.embedTexts(phrases);
      texts.forEach((v, i) => expect(dot(v, expected[i]!), `${dtype} text ${i}`).toBeGreaterThan(dtype === "q8" ? 0.995 : 0.99999));
      const [image] = await embedder.embedImages(images);
      expect(dot(image!, expectedImage!), `${dtype} image`).toBeGreaterThan(dtype === "q8" ? 0.99 : 0.99999);
    }
  });
});
