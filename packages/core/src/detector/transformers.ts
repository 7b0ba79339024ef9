/**
 * Object detection through transformers.js: DETR (`Xenova/detr-resnet-50`), YOLOS
 * (`Xenova/yolos-tiny`) or any export whose image processor has post_process_object_detection and
 * whose model gives `logits` [B, Q, C+1] (the last class is "no object") and `pred_boxes` [B, Q, 4]
 * (cx, cy, w, h, normalised). Hub ids and local folders go through the same from_pretrained calls.
 * Inference runs in ONNX Runtime's native threads, but preprocessing is JavaScript loops over every
 * pixel, so this engine too is only created inside a detector worker thread (see worker-engine.ts).
 */
// Loaded on use: a function that never detects ships without transformers.js (see stacks/bundling.ts).
import type { Tensor } from "@huggingface/transformers";
import { errorMessage } from "../error.js";
import type { DetectorEngine, HubSettings } from "./engine.js";
import { checkImage } from "./image.js";
import { boxFromCorners, selectDetections } from "./select.js";
import type { Selection } from "./select.js";
import { detectorUnavailable, resolveDetectorSource } from "./source.js";
import type { Detection, RgbImage } from "./types.js";

interface DetectionOutputs {
  logits: Tensor;
  pred_boxes: Tensor;
}

interface ProcessedDetections {
  boxes: number[][];
  classes: number[];
  scores: number[];
}

/** transformers.js's own post-processing: softmax, "no object" dropped, threshold, corner boxes. */
type PostProcess = (outputs: DetectionOutputs, threshold: number, targetSizes: null) => ProcessedDetections[];

export interface TransformersDetectorOptions {
  model: string;
  threads?: number;
  /** The main thread's hub settings, applied to this thread's transformers.js first. */
  hub?: HubSettings;
}

/** This thread's transformers.js hub settings, for a worker thread to copy. */
export async function hubSettings(): Promise<HubSettings> {
  const { env } = await import("@huggingface/transformers");
  const { allowRemoteModels, allowLocalModels, remoteHost, remotePathTemplate, localModelPath, useFSCache, cacheDir } = env;
  return { allowRemoteModels, allowLocalModels, remoteHost, remotePathTemplate, localModelPath, useFSCache, cacheDir };
}

export async function createTransformersEngine(options: TransformersDetectorOptions): Promise<DetectorEngine> {
  const { AutoImageProcessor, AutoModelForObjectDetection, RawImage, env } = await import("@huggingface/transformers");
  if (options.hub) Object.assign(env, options.hub);
  const source = resolveDetectorSource(options.model);
  const fileOptions = { local_files_only: source.local };
  const modelOptions = {
    ...fileOptions,
    dtype: "fp32" as const,
    session_options: options.threads ? { intraOpNumThreads: options.threads } : {},
  };
  const [processorResult, modelResult] = await Promise.allSettled([
    AutoImageProcessor.from_pretrained(source.location, fileOptions),
    AutoModelForObjectDetection.from_pretrained(source.location, modelOptions),
  ]);
  if (processorResult.status === "rejected" || modelResult.status === "rejected") {
    if (modelResult.status === "fulfilled") await modelResult.value.dispose();
    const reason = processorResult.status === "rejected" ? processorResult.reason : (modelResult as PromiseRejectedResult).reason;
    throw detectorUnavailable(options.model, errorMessage(reason));
  }
  const processor = processorResult.value;
  const model = modelResult.value;

  const fail = async (cause: string) => {
    await model.dispose();
    return detectorUnavailable(options.model, cause);
  };
  const postProcess = (processor as unknown as { post_process_object_detection?: PostProcess }).post_process_object_detection;
  if (typeof postProcess !== "function") {
    throw await fail(`its image processor (${processor.constructor.name}) has no object detection post-processing`);
  }
  const id2label = (model.config as { id2label?: Record<string, string> }).id2label;
  if (!id2label || Object.keys(id2label).length === 0) throw await fail("its config.json has no id2label");
  const labels = vocabulary(id2label);

  /**
   * One frame per model call: frames of different sizes cannot share a batch, and memory stays
   * flat (DETR's input for one 720p frame is already 12 MB of floats at 800 x 1333).
   */
  const detectOne = async (image: RgbImage, selection: Selection): Promise<Detection[]> => {
    const inputs = await processor(new RawImage(image.data, image.width, image.height, 3));
    const pixels = inputs.pixel_values as Tensor;
    const mask = (inputs as { pixel_mask?: Tensor }).pixel_mask;
    const outputs = (await model({ pixel_values: pixels, ...(mask ? { pixel_mask: mask } : {}) })) as DetectionOutputs;
    try {
      // Without target sizes, transformers.js leaves the corners normalised to the frame.
      const [{ boxes, classes, scores }] = postProcess.call(processor, outputs, selection.threshold, null) as [ProcessedDetections];
      const candidates: Detection[] = [];
      boxes.forEach((corners, i) => {
        const label = id2label[String(classes[i])];
        const box = boxFromCorners(corners[0]!, corners[1]!, corners[2]!, corners[3]!);
        if (label && label !== "N/A" && box) candidates.push({ label, score: scores[i]!, box });
      });
      return selectDetections(candidates, selection);
    } finally {
      for (const tensor of [pixels, mask, outputs.logits, outputs.pred_boxes]) tensor?.dispose();
    }
  };

  const detect = async (images: RgbImage[], selection: Selection): Promise<Detection[][]> => {
    for (const image of images) checkImage(image);
    const results: Detection[][] = [];
    for (const image of images) results.push(await detectOne(image, selection));
    return results;
  };

  return { name: options.model, labels, detect, close: async () => void (await model.dispose()) };
}

/** The model's label names in class order, without DETR's "N/A" placeholders for unused COCO ids. */
function vocabulary(id2label: Record<string, string>): string[] {
  const ordered = Object.entries(id2label)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, label]) => label)
    .filter((label) => label && label !== "N/A");
  return [...new Set(ordered)];
}
