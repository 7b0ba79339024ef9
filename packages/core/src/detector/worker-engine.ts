/**
 * Runs a detector engine in a worker thread of its own. tfjs wasm inference, and transformers.js's
 * image preprocessing (250-400 ms of JavaScript loops for a 720p frame at DETR's 800 px), compute
 * on the thread that calls them: here that is the worker, so an API served by the same process
 * stays responsive. This side only checks frames, copies them into transferable buffers and
 * matches replies to requests, which the worker answers one at a time, in order.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { errorMessage, isVisibleError } from "../error.js";
import { createLogger } from "../log.js";
import type { DetectorEngine, EngineHooks, EngineSpec } from "./engine.js";
import { checkImage } from "./image.js";
import type { Selection } from "./select.js";
import { CENTERNET_FIX, detectorUnavailable } from "./source.js";
import { reviveError } from "./worker-protocol.js";
import type { DetectRequest, WorkerReply } from "./worker-protocol.js";
import type { Detection, RgbImage } from "./types.js";

const log = createLogger({ module: "detector" });

interface Pending {
  resolve: (detections: Detection[][]) => void;
  reject: (error: Error) => void;
}

/** Starts the worker and waits until its model has loaded (a load failure rejects, as a VisibleError). */
export async function startWorkerEngine(spec: EngineSpec, hooks: EngineHooks): Promise<DetectorEngine> {
  const started = performance.now();
  const { worker, from } = spawn(spec);
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let stopped: Error | undefined;

  // An idle worker must not keep the process alive (a CLI command ends when its work is done).
  const updateRef = () => (pending.size > 0 ? worker.ref() : worker.unref());

  /** Fails every request in flight; true the first time only. */
  const stop = (error: Error) => {
    if (stopped) return false;
    stopped = error;
    for (const request of pending.values()) request.reject(error);
    pending.clear();
    return true;
  };

  const ready = new Promise<{ name: string; labels: string[]; ms: number }>((resolve, reject) => {
    worker.on("message", (message: WorkerReply) => {
      if (message.type === "ready") return resolve(message);
      if (message.type === "load-failed") return reject(reviveError(message.error));
      const request = pending.get(message.id);
      if (!request) return;
      pending.delete(message.id);
      updateRef();
      if (message.type === "result") request.resolve(message.detections);
      else request.reject(reviveError(message.error));
    });
    const die = (error: Error) => {
      reject(error);
      if (stop(error)) {
        log.error("detector worker stopped", { error });
        hooks.onFailure(error);
      }
    };
    worker.on("error", die);
    worker.on("exit", (code) => die(new Error(`The detector worker thread exited (code ${code}).`)));
  });

  let identity: { name: string; labels: string[]; ms: number };
  try {
    identity = await ready;
  } catch (error) {
    stop(error as Error);
    await worker.terminate();
    // The worker reports model failures as VisibleErrors; anything else broke the thread itself.
    if (isVisibleError(error)) throw error;
    throw spec.kind === "centernet"
      ? detectorUnavailable("centernet", errorMessage(error), CENTERNET_FIX)
      : detectorUnavailable(spec.model, errorMessage(error));
  }
  updateRef();
  log.info("object detector loaded", {
    detector: identity.name,
    labels: identity.labels.length,
    thread: from,
    // Thread start included; modelMs is the worker's own model load.
    ms: Math.round(performance.now() - started),
    modelMs: Math.round(identity.ms),
  });

  const detect = async (images: RgbImage[], selection: Selection): Promise<Detection[][]> => {
    if (stopped) throw stopped;
    for (const image of images) checkImage(image);
    if (images.length === 0) return [];
    // Copies: the caller keeps its frames (the pipeline crops objects out of them afterwards).
    const copies = images.map((image) => ({ data: new Uint8Array(image.data), width: image.width, height: image.height }));
    const id = nextId++;
    const request: DetectRequest = { id, images: copies, selection };
    return new Promise<Detection[][]>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      updateRef();
      worker.postMessage(request, copies.map((copy) => copy.data.buffer as ArrayBuffer));
    });
  };

  const close = async () => {
    if (stop(new Error(`The object detector ${identity.name} was closed.`))) await worker.terminate();
  };

  return { name: identity.name, labels: Object.freeze(identity.labels), detect, close };
}

/** Where a process runs from a bundle (packages/core/bin/bundle.js), its bundled thread entries' file URLs, by name. */
const THREAD_BUNDLES = Symbol.for("vos.threadBundles");

/**
 * Starts detector.worker: the one built beside the process's bundle when it runs from one (`vos`,
 * worker tasks), else the file next to this one. From a TypeScript checkout without a bundle (tsx,
 * vitest) that is a .ts file Node cannot run by itself: a one-line bootstrap registers tsx in the
 * new thread, as bin/vos.js does in the main one when it runs the sources, then imports it.
 */
function spawn(spec: EngineSpec): { worker: Worker; from: "bundle" | "tsx" | "file" } {
  const options = { workerData: spec, name: `vos-detector-${spec.kind}` };
  const bundled = (globalThis as { [THREAD_BUNDLES]?: Record<string, string> })[THREAD_BUNDLES]?.["detector.worker"];
  if (bundled) return { worker: new Worker(new URL(bundled), options), from: "bundle" };
  const here = import.meta.url;
  const extension = path.extname(fileURLToPath(here));
  const entry = new URL(`./detector.worker${extension}`, here);
  if (extension !== ".ts") return { worker: new Worker(entry, options), from: "file" };
  const tsx = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(entry.href)});`;
  return { worker: new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), options), from: "tsx" };
}
