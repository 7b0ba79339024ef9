/**
 * Reads float32 tensors from a safetensors file (Hugging Face's weights format): an 8-byte little
 * endian header length, a JSON header naming each tensor's dtype, shape and byte range, then the
 * raw data. Only what the sentence text tower's Dense layers need: small float32 matrices.
 */
import { readFile } from "node:fs/promises";

export interface FloatTensor {
  shape: number[];
  data: Float32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** The named tensors of `file`; a missing name, another dtype or a damaged file throws, naming it. */
export async function readSafetensors(file: string, names: readonly string[]): Promise<Record<string, FloatTensor>> {
  const bytes = await readFile(file);
  const fail = (why: string) => new Error(`${file} is not a usable safetensors file: ${why}`);
  if (bytes.length < 8) throw fail("it is shorter than its header");
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (headerLength <= 0 || 8 + headerLength > bytes.length) throw fail(`its header claims ${headerLength} bytes`);
  let header: Record<string, HeaderEntry>;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8")) as Record<string, HeaderEntry>;
  } catch {
    throw fail("its header is not JSON");
  }
  const dataStart = 8 + headerLength;
  const out: Record<string, FloatTensor> = {};
  for (const name of names) {
    const entry = header[name];
    if (!entry) throw fail(`it has no tensor '${name}' (it has ${Object.keys(header).filter((key) => key !== "__metadata__").join(", ") || "none"})`);
    if (entry.dtype !== "F32") throw fail(`'${name}' is ${entry.dtype}; only F32 is read`);
    const [begin, end] = entry.data_offsets;
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * 4 || dataStart + end > bytes.length) throw fail(`'${name}' does not fit its shape ${JSON.stringify(entry.shape)}`);
    // Copied out: the tensor's offset in the file need not be 4-byte aligned.
    const data = new Float32Array(count);
    const view = new DataView(bytes.buffer, bytes.byteOffset + dataStart + begin, count * 4);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
    out[name] = { shape: entry.shape, data };
  }
  return out;
}
