import type { RgbImage } from "../rgb-image.js";

export type { RgbImage };

/** A box normalised to the image (0-1 of its width and height); x/y is the top-left corner. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Detection {
  /** A name from the detector's `labels`. */
  label: string;
  /** The model's confidence, 0-1. */
  score: number;
  box: Box;
}

/** Finds objects in frames. Adapters: CenterNet on tfjs wasm (offline), transformers.js DETR/YOLOS. */
export interface ObjectDetector {
  /** "centernet-coco", or the transformers.js model (hub id or folder) as configured. */
  readonly name: string;
  /** The labels this detector can return (COCO names, lower case: "person", "cup", "dining table"...). */
  readonly labels: readonly string[];
  /** One list per image, best first, after the score threshold, NMS and maxObjects. */
  detect(images: RgbImage[]): Promise<Detection[][]>;
  /** Releases the model (the CenterNet worker thread, the ONNX session) once nothing else uses it. */
  close(): Promise<void>;
}

export interface DetectorOptions {
  /** "centernet" (the default, built in, works offline), a transformers.js hub id, or a local folder. */
  model: string;
  /** Lowest score an object is kept at; default 0.3. */
  threshold?: number;
  /** Most objects kept per image; default 10. */
  maxObjects?: number;
  /** ONNX Runtime intra-op threads for transformers.js models (CenterNet runs on one worker thread). */
  threads?: number;
}
