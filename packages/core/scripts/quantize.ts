/**
 * Reduced-precision copies of the generated CLIP graphs, in the files a hub export ships beside
 * `onnx/<half>_model.onnx` and transformers.js picks by dtype:
 *
 * - q8 (`<half>_model_quantized.onnx`), as onnxruntime's dynamic quantisation writes it
 *   (`quantize_dynamic`, MatMul with a constant weight only): the weight becomes uint8 with a
 *   scale and zero point per output column, and the node becomes
 *   DynamicQuantizeLinear(x) -> MatMulInteger -> Cast(float) -> Mul(x_scale * w_scale). Gather
 *   tables (token embeddings) are stored as uint8 with one scale, and the gathered rows go
 *   through DequantizeLinear. The activations are quantised per call (uint8, per tensor).
 * - fp16 (`<half>_model_fp16.onnx`): every float weight stored as float16 and cast back to
 *   float32 when the session loads it; inputs, outputs and arithmetic stay float32, so it halves
 *   the file and runs wherever float32 does.
 *
 * uint8 weights (rather than int8) keep onnxruntime's x86 kernels on their u8u8 path, which has
 * no 16-bit intermediate sums to saturate.
 */
import type { onnx as Onnx } from "onnx-proto";
import { FLOAT, onnx, type NodeProto, type TensorProto } from "./onnx.js";

type ModelProto = InstanceType<typeof onnx.ModelProto>;
const { UINT8, FLOAT16 } = onnx.TensorProto.DataType;

export type GeneratedDtype = "fp32" | "fp16" | "q8";

/** The file of one half at a dtype (transformers.js's suffixes). */
export function onnxFileName(half: "text" | "vision", dtype: GeneratedDtype): string {
  return `onnx/${half}_model${{ fp32: "", fp16: "_fp16", q8: "_quantized" }[dtype]}.onnx`;
}

/** A float tensor's values, from float_data or raw little-endian bytes. */
export function floatValues(tensor: Onnx.ITensorProto): Float32Array {
  if (tensor.rawData && tensor.rawData.length > 0) {
    const raw = tensor.rawData;
    if (raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    // A decoded file's bytes may sit at any offset of a shared buffer: copy them.
    const copy = new Uint8Array(raw.byteLength);
    copy.set(raw);
    return new Float32Array(copy.buffer);
  }
  return Float32Array.from(tensor.floatData ?? []);
}

function rawTensor(name: string, dims: number[], dataType: number, bytes: Uint8Array): TensorProto {
  return onnx.TensorProto.create({ name, dims, dataType, rawData: bytes });
}

function floatTensor(name: string, dims: number[], values: Float32Array): TensorProto {
  return rawTensor(name, dims, FLOAT, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

function nodeOf(opType: string, input: string[], output: string[], attribute: Onnx.IAttributeProto[] = []): NodeProto {
  return onnx.NodeProto.create({ opType, input, output, name: output[0], attribute });
}

/** uint8 codes of `values` with one scale and zero point for every `stride`-th value's group. */
interface Quantised {
  codes: Uint8Array;
  scales: Float32Array;
  zeroPoints: Uint8Array;
}

/**
 * Asymmetric uint8 quantisation (the range always holds 0, so zero is exact), per column of a
 * [rows, columns] matrix or, with columns = 1 and a flat view, per tensor.
 */
export function quantiseColumns(values: Float32Array, columns: number): Quantised {
  const rows = values.length / columns;
  const low = new Float32Array(columns);
  const high = new Float32Array(columns);
  for (let r = 0, i = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++, i++) {
      const v = values[i]!;
      if (v < low[c]!) low[c] = v;
      else if (v > high[c]!) high[c] = v;
    }
  }
  const inverse = new Float32Array(columns);
  const scales = new Float32Array(columns);
  const zeroPoints = new Uint8Array(columns);
  for (let c = 0; c < columns; c++) {
    const scale = (high[c]! - low[c]!) / 255 || 1;
    scales[c] = scale;
    inverse[c] = 1 / scales[c]!;
    zeroPoints[c] = Math.min(255, Math.max(0, Math.round(-low[c]! / scale)));
  }
  // Uint8ClampedArray clamps to 0-255 and rounds half to even, as QuantizeLinear does.
  const codes = new Uint8ClampedArray(values.length);
  if (columns === 1) {
    const [scale, zero] = [inverse[0]!, zeroPoints[0]!];
    for (let i = 0; i < values.length; i++) codes[i] = values[i]! * scale + zero;
  } else {
    for (let r = 0, i = 0; r < rows; r++) {
      for (let c = 0; c < columns; c++, i++) codes[i] = values[i]! * inverse[c]! + zeroPoints[c]!;
    }
  }
  return { codes: new Uint8Array(codes.buffer), scales, zeroPoints };
}

function graphParts(model: ModelProto) {
  const graph = model.graph;
  if (!graph) throw new Error("the model has no graph");
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? "", t]));
  return { graph, initializers };
}

const dimsOf = (tensor: Onnx.ITensorProto) => (tensor.dims ?? []).map(Number);
const isFloat = (tensor: Onnx.ITensorProto | undefined): tensor is Onnx.ITensorProto => tensor?.dataType === FLOAT;

/** The q8 model: a new ModelProto sharing the untouched tensors with `model`. */
export function quantizeModel(model: ModelProto): ModelProto {
  const { graph, initializers } = graphParts(model);
  const nodes: NodeProto[] = [];
  const added: TensorProto[] = [];
  const replaced = new Set<string>();
  const weights = new Map<string, { q: string; scale: string; zeroPoint: string }>();
  const activations = new Map<string, [string, string, string]>();

  const quantisedWeight = (name: string, tensor: Onnx.ITensorProto, perColumn: boolean) => {
    let entry = weights.get(name);
    if (!entry) {
      const dims = dimsOf(tensor);
      const columns = perColumn ? dims[dims.length - 1]! : 1;
      const { codes, scales, zeroPoints } = quantiseColumns(floatValues(tensor), columns);
      const scaleDims = perColumn ? [columns] : [];
      entry = { q: `${name}_quantized`, scale: `${name}_scale`, zeroPoint: `${name}_zero_point` };
      added.push(rawTensor(entry.q, dims, UINT8, codes), floatTensor(entry.scale, scaleDims, scales), rawTensor(entry.zeroPoint, scaleDims, UINT8, zeroPoints));
      weights.set(name, entry);
      replaced.add(name);
    }
    return entry;
  };
  // Rows of a quantised Gather table: their codes already take `<rows>_quantized`.
  const gathered = new Set<string>();
  // One DynamicQuantizeLinear per activation, however many MatMuls read it (q, k and v do).
  const quantisedActivation = (x: string) => {
    let outputs = activations.get(x);
    if (!outputs) {
      const base = gathered.has(x) ? `${x}_dynamic` : x;
      outputs = [`${base}_quantized`, `${base}_scale`, `${base}_zero_point`];
      nodes.push(nodeOf("DynamicQuantizeLinear", [x], outputs));
      activations.set(x, outputs);
    }
    return outputs;
  };

  for (const n of graph.node ?? []) {
    const [a, b] = n.input ?? [];
    const output = n.output?.[0];
    const weight = b === undefined ? undefined : initializers.get(b);
    if (n.opType === "MatMul" && a && b && output && isFloat(weight) && dimsOf(weight).length === 2) {
      const w = quantisedWeight(b, weight, true);
      const [xq, xScale, xZero] = quantisedActivation(a);
      nodes.push(
        nodeOf("MatMulInteger", [xq, w.q, xZero, w.zeroPoint], [`${output}_int32`]),
        nodeOf("Cast", [`${output}_int32`], [`${output}_float`], [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }]),
        nodeOf("Mul", [xScale, w.scale], [`${output}_scale`]),
        nodeOf("Mul", [`${output}_float`, `${output}_scale`], [output]),
      );
      continue;
    }
    const table = a === undefined ? undefined : initializers.get(a);
    const axis = Number(n.attribute?.find((attr) => attr.name === "axis")?.i ?? 0);
    if (n.opType === "Gather" && a && b && output && isFloat(table) && axis === 0) {
      const w = quantisedWeight(a, table, false);
      gathered.add(output);
      nodes.push(nodeOf("Gather", [w.q, b], [`${output}_quantized`]), nodeOf("DequantizeLinear", [`${output}_quantized`, w.scale, w.zeroPoint], [output]));
      continue;
    }
    nodes.push(n as NodeProto);
  }
  // A float weight some other node still reads stays (it is then stored twice).
  const stillRead = new Set(nodes.flatMap((n) => n.input ?? []));
  const kept = (graph.initializer ?? []).filter((t) => !replaced.has(t.name ?? "") || stillRead.has(t.name ?? ""));
  return withGraph(model, nodes, [...(kept as TensorProto[]), ...added], "q8");
}

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** float32 -> IEEE half bits, rounding to nearest even. */
export function toHalf(value: number): number {
  scratch[0] = value;
  return halfBits(scratchBits[0]!);
}

function halfBits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the mantissa with its implicit bit into place.
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    if (rest > midpoint || (rest === midpoint && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++; // a carry into the exponent is right
  return sign | half;
}

/** The fp16 model: float weights stored as float16, each cast back to float32 once at load. */
export function toFloat16Model(model: ModelProto): ModelProto {
  const { graph } = graphParts(model);
  const casts: NodeProto[] = [];
  const initializer = (graph.initializer ?? []).map((t) => {
    if (!isFloat(t) || dimsOf(t).reduce((x: number, y: number) => x * y, 1) < 16) return t as TensorProto;
    const values = floatValues(t);
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    const halves = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) halves[i] = halfBits(bits[i]!);
    const name = `${t.name}_fp16`;
    casts.push(nodeOf("Cast", [name], [t.name ?? ""], [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }]));
    return rawTensor(name, dimsOf(t), FLOAT16, new Uint8Array(halves.buffer));
  });
  return withGraph(model, [...casts, ...((graph.node ?? []) as NodeProto[])], initializer, "fp16");
}

function withGraph(model: ModelProto, node: NodeProto[], initializer: TensorProto[], variant: string): ModelProto {
  const graph = model.graph!;
  return onnx.ModelProto.create({
    irVersion: model.irVersion,
    producerName: `${model.producerName} (${variant})`,
    opsetImport: model.opsetImport,
    graph: { name: graph.name, node, initializer, input: graph.input, output: graph.output },
  });
}

/** Encodes `model` at `dtype` (fp32: as it is). */
export function encodeAt(model: ModelProto, dtype: GeneratedDtype): Uint8Array {
  const variant = dtype === "q8" ? quantizeModel(model) : dtype === "fp16" ? toFloat16Model(model) : model;
  return onnx.ModelProto.encode(variant).finish();
}
