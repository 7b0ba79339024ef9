/**
 * The CenterNet worker thread: loads the model once (from workerData's files), then answers
 * detect requests one at a time, in the order they arrive. Started by centernet.ts.
 */
import { parentPort, workerData } from "node:worker_threads";
import { decodeCenterNet } from "./centernet-decode.js";
import { loadCenterNet } from "./centernet-model.js";
import type { CenterNetModel } from "./centernet-model.js";
import { serializeError } from "./centernet-protocol.js";
import type { CenterNetWorkerData, DetectRequest, WorkerReply } from "./centernet-protocol.js";
import { selectDetections } from "./select.js";

const port = parentPort;
if (!port) throw new Error("centernet.worker.ts must run in a worker thread");
const reply = (message: WorkerReply) => port.postMessage(message);

const started = performance.now();
const loading: Promise<CenterNetModel> = loadCenterNet(workerData as CenterNetWorkerData);
let queue: Promise<void> = Promise.resolve();

port.on("message", (request: DetectRequest) => {
  queue = queue.then(() => handle(request));
});

async function handle(request: DetectRequest): Promise<void> {
  const begun = performance.now();
  try {
    const model = await loading;
    const detections = request.frames.map(({ pixels, frame }) =>
      selectDetections(decodeCenterNet(model.run(pixels), frame), request),
    );
    reply({ type: "result", id: request.id, detections, ms: performance.now() - begun });
  } catch (error) {
    reply({ type: "error", id: request.id, error: serializeError(error) });
  }
}

loading.then(
  (model) => reply({ type: "ready", inputSize: model.inputSize, ms: performance.now() - started }),
  (error: unknown) => reply({ type: "load-failed", error: serializeError(error) }),
);
