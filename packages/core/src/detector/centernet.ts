/**
 * The offline default detector: the COCO CenterNet graph that ships in `@vladmandic/human`, run by
 * tfjs on WebAssembly. tfjs wasm computes on the thread that calls it, so the model lives in a
 * worker thread of its own (one per engine) and this thread only resizes frames (sharp, on native
 * threads) and exchanges messages: an API served by the same process stays responsive.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import sharp from "sharp";
import { errorMessage } from "../error.js";
import { createLogger } from "../log.js";
import { CENTERNET_NAME, letterbox } from "./centernet-decode.js";
import type { Letterbox } from "./centernet-decode.js";
import { reviveError } from "./centernet-protocol.js";
import type { CenterNetWorkerData, DetectRequest, WorkerReply } from "./centernet-protocol.js";
import type { DetectorEngine, EngineHooks } from "./engine.js";
import { checkImage } from "./image.js";
import { COCO_LABELS } from "./labels.js";
import type { Selection } from "./select.js";
import { detectorUnavailable } from "./source.js";
import type { Detection, RgbImage } from "./types.js";

const log = createLogger({ module: "detector", detector: CENTERNET_NAME });
const require = createRequire(import.meta.url);

/** Where the model and the wasm binaries are installed (inside node_modules, nothing downloaded). */
export function centerNetFiles(): CenterNetWorkerData {
  // The package's exports map hides package.json and models/; its node entry sits in dist/.
  const human = path.resolve(path.dirname(require.resolve("@vladmandic/human")), "..");
  const wasmDir = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm"));
  return { modelJson: path.join(human, "models", "centernet.json"), wasmDir };
}

/** Starts the worker and waits for the model to load; `files` defaults to the installed ones. */
export async function createCenterNetEngine(hooks: EngineHooks, files?: CenterNetWorkerData): Promise<DetectorEngine> {
  const started = performance.now();
  try {
    files ??= centerNetFiles();
    for (const file of [files.modelJson, path.join(files.wasmDir, "tfjs-backend-wasm-simd.wasm")]) {
      if (!existsSync(file)) throw new Error(`${file} is missing`);
    }
  } catch (error) {
    throw detectorUnavailable("centernet", errorMessage(error), "reinstall the dependencies (npm ci)");
  }

  const worker = startWorker(files);
  const pending = new Map<number, { resolve: (detections: Detection[][]) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let stopped: Error | undefined;
  let inputSize = 0;

  // An idle worker must not keep the process alive (a CLI command ends when its work is done).
  const updateRef = () => (pending.size > 0 ? worker.ref() : worker.unref());

  const stop = (error: Error) => {
    if (stopped) return false;
    stopped = error;
    for (const request of pending.values()) request.reject(error);
    pending.clear();
    return true;
  };

  const ready = new Promise<number>((resolve, reject) => {
    worker.on("message", (message: WorkerReply) => {
      if (message.type === "ready") return resolve(message.inputSize);
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
    worker.on("error", (error) => die(error));
    worker.on("exit", (code) => die(new Error(`The CenterNet worker thread exited (code ${code}).`)));
  });

  try {
    inputSize = await ready;
  } catch (error) {
    stop(error as Error);
    await worker.terminate();
    throw detectorUnavailable("centernet", errorMessage(error), "reinstall the dependencies (npm ci)");
  }
  updateRef();
  log.info("object detector loaded", { model: "centernet", inputSize, ms: Math.round(performance.now() - started) });

  const detect = async (images: RgbImage[], selection: Selection): Promise<Detection[][]> => {
    if (stopped) throw stopped;
    for (const image of images) checkImage(image);
    if (images.length === 0) return [];
    const frames = await Promise.all(images.map((image) => toInput(image, inputSize)));
    if (stopped) throw stopped;
    const id = nextId++;
    const request: DetectRequest = { id, frames, threshold: selection.threshold, maxObjects: selection.maxObjects };
    return new Promise<Detection[][]>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      updateRef();
      worker.postMessage(request, frames.map(({ pixels }) => pixels.buffer as ArrayBuffer));
    });
  };

  const close = async () => {
    if (stop(new Error("The object detector was closed."))) await worker.terminate();
  };

  return { name: CENTERNET_NAME, labels: COCO_LABELS, detect, close };
}

/**
 * Letterboxes a frame into the model's square input (see centernet-decode.ts) with sharp's linear
 * kernel. The result is a fresh buffer of our own, so it can be transferred to the worker without
 * touching the caller's frame, which the pipeline still crops objects from.
 */
async function toInput(image: RgbImage, size: number): Promise<{ pixels: Uint8Array; frame: Letterbox }> {
  const frame = letterbox(image.width, image.height, size);
  const pixels = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(frame.width, frame.height, { fit: "fill", kernel: "linear" })
    .extend({ right: size - frame.width, bottom: size - frame.height, background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer();
  if (pixels.length !== size * size * 3) throw new Error(`letterboxed frame has ${pixels.length} bytes, expected ${size * size * 3}`);
  // A copy into an ArrayBuffer that holds exactly this frame (sharp's may be shared or external).
  return { pixels: new Uint8Array(pixels), frame };
}

/**
 * Starts centernet.worker next to this file. From a TypeScript checkout (tsx in `vos`, vitest in
 * tests) the worker is a .ts file Node cannot run by itself: a one-line bootstrap registers tsx in
 * the new thread, as bin/vos.js does in the main one, then imports the entry.
 */
function startWorker(workerData: CenterNetWorkerData): Worker {
  const here = import.meta.url;
  const extension = path.extname(fileURLToPath(here));
  const entry = new URL(`./centernet.worker${extension}`, here);
  const options = { workerData, name: "vos-centernet" };
  if (extension !== ".ts") return new Worker(entry, options);
  const tsx = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(entry.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), options);
}
