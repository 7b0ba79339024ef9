/**
 * The offline default detector: the COCO CenterNet graph that ships in `@vladmandic/human`, run by
 * tfjs on WebAssembly. This engine computes on the thread that calls it, so it is only ever
 * created inside a detector worker thread (see worker-engine.ts).
 */
import { createRequire } from "node:module";
import path from "node:path";
import { loadSharp } from "../util/sharp.js";
import { CENTERNET_NAME, decodeCenterNet, letterbox } from "./centernet-decode.js";
import type { Letterbox } from "./centernet-decode.js";
import { loadCenterNet } from "./centernet-model.js";
import type { CenterNetFiles } from "./centernet-model.js";
import type { DetectorEngine } from "./engine.js";
import { checkImage } from "./image.js";
import { COCO_LABELS } from "./labels.js";
import { selectDetections } from "./select.js";
import type { Selection } from "./select.js";
import type { Detection, RgbImage } from "./types.js";

const packages = createRequire(import.meta.url);

/** Where the model and the wasm binaries are installed (inside node_modules; nothing is downloaded). */
export function centerNetFiles(): CenterNetFiles {
  // The package's exports map hides package.json and models/; its node entry sits in dist/.
  const human = path.resolve(path.dirname(packages.resolve("@vladmandic/human")), "..");
  const wasmDir = path.dirname(packages.resolve("@tensorflow/tfjs-backend-wasm"));
  return { modelJson: path.join(human, "models", "centernet.json"), wasmDir };
}

export async function createCenterNetEngine(files: CenterNetFiles = centerNetFiles()): Promise<DetectorEngine> {
  const model = await loadCenterNet(files);
  const detect = async (images: RgbImage[], selection: Selection): Promise<Detection[][]> => {
    const results: Detection[][] = [];
    for (const image of images) {
      checkImage(image);
      const { pixels, frame } = await toInput(image, model.inputSize);
      results.push(selectDetections(decodeCenterNet(model.run(pixels), frame), selection));
    }
    return results;
  };
  return { name: CENTERNET_NAME, labels: COCO_LABELS, detect, close: async () => model.dispose() };
}

/** Letterboxes a frame into the model's square input (see centernet-decode.ts), sharp's linear kernel. */
async function toInput(image: RgbImage, size: number): Promise<{ pixels: Uint8Array; frame: Letterbox }> {
  const frame = letterbox(image.width, image.height, size);
  const sharp = await loadSharp();
  const pixels = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(frame.width, frame.height, { fit: "fill", kernel: "linear" })
    .extend({ right: size - frame.width, bottom: size - frame.height, background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer();
  if (pixels.length !== size * size * 3) throw new Error(`letterboxed frame has ${pixels.length} bytes, expected ${size * size * 3}`);
  return { pixels, frame };
}
