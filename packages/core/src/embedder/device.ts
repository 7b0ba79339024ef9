/** Where ONNX Runtime runs the CLIP halves: the CPU, or NVIDIA GPUs through its CUDA provider. */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

export const CLIP_DEVICES = ["auto", "cpu", "cuda"] as const;
/**
 * cpu: the CPU only. cuda: CUDA, and the CPU when CUDA cannot start (no driver, a driver too old
 * for the CUDA runtime, no GPU visible), with a warning that says why. auto: cuda where
 * onnxruntime-node's CUDA provider library is installed (the GPU worker image), else cpu.
 */
export type ClipDevice = (typeof CLIP_DEVICES)[number];

/** What a device setting tries first. */
export function firstDevice(device: ClipDevice): "cpu" | "cuda" {
  if (device === "auto") return cudaProviderInstalled() ? "cuda" : "cpu";
  return device;
}

/**
 * Whether onnxruntime-node's CUDA provider library is installed. npm installs onnxruntime-node
 * without it unless asked, so everywhere but a CUDA image the answer is no and nothing is tried.
 */
export function cudaProviderInstalled(): boolean {
  // transformers.js offers CUDA on linux x64 only.
  if (process.platform !== "linux" || process.arch !== "x64") return false;
  try {
    const main = createRequire(import.meta.url).resolve("onnxruntime-node");
    const root = path.dirname(path.dirname(main)); // <package>/dist/index.js
    return existsSync(path.join(root, "bin", "napi-v6", "linux", "x64", "libonnxruntime_providers_cuda.so"));
  } catch {
    return false;
  }
}
