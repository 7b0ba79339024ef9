/** Messages between a detector engine's main-thread side and its worker thread. */
import { VisibleError } from "../error.js";
import type { Selection } from "./select.js";
import type { Detection, RgbImage } from "./types.js";

export interface DetectRequest {
  id: number;
  /** Copies of the caller's frames; their buffers are transferred, not cloned. */
  images: RgbImage[];
  selection: Selection;
}

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** Set for a VisibleError, which is rebuilt as one. */
  visible?: { code: string; status: VisibleError["status"]; permanent: boolean };
}

export type WorkerReply =
  | { type: "ready"; name: string; labels: string[]; ms: number }
  | { type: "load-failed"; error: SerializedError }
  | { type: "result"; id: number; detections: Detection[][]; ms: number }
  | { type: "error"; id: number; error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  return {
    name: error.name,
    message: error.message,
    ...(error.stack ? { stack: error.stack } : {}),
    ...(error instanceof VisibleError ? { visible: { code: error.code, status: error.status, permanent: error.permanent } } : {}),
  };
}

/**
 * A real Error on this side of the thread boundary (a VisibleError stays one, with its code),
 * keeping the worker's name, message and stack.
 */
export function reviveError(serialized: SerializedError): Error {
  const { visible } = serialized;
  const error = visible ? new VisibleError(visible.code, serialized.message, visible.status, visible.permanent) : new Error(serialized.message);
  error.name = serialized.name;
  const workerFrames = serialized.stack?.split("\n").slice(1).join("\n");
  error.stack = `${serialized.name}: ${serialized.message}\n${workerFrames ? workerFrames + "\n" : ""}    at <detector worker thread>`;
  return error;
}
