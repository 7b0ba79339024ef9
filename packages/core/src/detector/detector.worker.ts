/**
 * A detector worker thread: loads one engine (CenterNet on tfjs wasm, or a transformers.js model)
 * from workerData, then answers detect requests one at a time, in the order they arrive. Started
 * by worker-engine.ts; everything that computes on a JavaScript thread happens here.
 */
import { parentPort, workerData } from "node:worker_threads";
import { errorMessage, isVisibleError } from "../error.js";
import type { DetectorEngine, EngineSpec } from "./engine.js";
import { CENTERNET_FIX, detectorUnavailable } from "./source.js";
import { serializeError } from "./worker-protocol.js";
import type { DetectRequest, WorkerReply } from "./worker-protocol.js";

const port = parentPort;
if (!port) throw new Error("detector.worker runs as a worker thread");
const reply = (message: WorkerReply) => port.postMessage(message);
const spec = workerData as EngineSpec;

async function loadEngine(): Promise<DetectorEngine> {
  try {
    if (spec.kind === "centernet") {
      const { createCenterNetEngine } = await import("./centernet.js");
      return await createCenterNetEngine(spec.files);
    }
    const { createTransformersEngine } = await import("./transformers.js");
    return await createTransformersEngine(spec);
  } catch (error) {
    if (isVisibleError(error)) throw error;
    if (spec.kind === "transformers") throw detectorUnavailable(spec.model, errorMessage(error));
    throw detectorUnavailable("centernet", errorMessage(error), CENTERNET_FIX);
  }
}

const started = performance.now();
const loading = loadEngine();
let queue: Promise<void> = Promise.resolve();

port.on("message", (request: DetectRequest) => {
  queue = queue.then(() => handle(request));
});

async function handle(request: DetectRequest): Promise<void> {
  const begun = performance.now();
  try {
    const engine = await loading;
    const detections = await engine.detect(request.images, request.selection);
    reply({ type: "result", id: request.id, detections, ms: performance.now() - begun });
  } catch (error) {
    reply({ type: "error", id: request.id, error: serializeError(error) });
  }
}

loading.then(
  (engine) => reply({ type: "ready", name: engine.name, labels: [...engine.labels], ms: performance.now() - started }),
  (error: unknown) => reply({ type: "load-failed", error: serializeError(error) }),
);
