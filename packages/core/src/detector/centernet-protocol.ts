/** Messages between the CenterNet adapter (main thread) and its worker thread. */
import type { Letterbox } from "./centernet-decode.js";
import type { CenterNetFiles } from "./centernet-model.js";
import type { Detection } from "./types.js";

export type CenterNetWorkerData = CenterNetFiles;

export interface DetectRequest {
  id: number;
  /** Frames letterboxed into inputSize x inputSize rgb24; their buffers are transferred, not copied. */
  frames: { pixels: Uint8Array; frame: Letterbox }[];
  threshold: number;
  maxObjects: number;
}

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

export type WorkerReply =
  | { type: "ready"; inputSize: number; ms: number }
  | { type: "load-failed"; error: SerializedError }
  | { type: "result"; id: number; detections: Detection[][]; ms: number }
  | { type: "error"; id: number; error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { name: "Error", message: String(error) };
}

/** A real Error on this side of the thread boundary, keeping the worker's name, message and stack. */
export function reviveError(serialized: SerializedError): Error {
  const error = new Error(serialized.message);
  error.name = serialized.name;
  const workerFrames = serialized.stack?.split("\n").slice(1).join("\n");
  error.stack = `${serialized.name}: ${serialized.message}\n${workerFrames ? workerFrames + "\n" : ""}    at <CenterNet worker thread>`;
  return error;
}
