/** Packed rgb24 pixels (3 bytes a pixel, row-major, no alpha): what the embedder and the detector both take. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}
