export { COCO_LABELS } from "./labels.js";
export { cropBox } from "./crop.js";
export { DEFAULT_DETECTOR_MODEL, DEFAULT_DETECT_THRESHOLD, DEFAULT_MAX_OBJECTS, loadObjectDetector } from "./load.js";
export { NMS_IOU_THRESHOLD, iou, selectDetections } from "./select.js";
export type { Box, Detection, DetectorOptions, ObjectDetector, RgbImage } from "./types.js";
