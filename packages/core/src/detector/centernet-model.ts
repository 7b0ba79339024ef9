/**
 * Loads and runs the CenterNet graph with tfjs on the WebAssembly backend. Runs in a detector
 * worker thread (see worker-engine.ts): wasm inference computes on the thread that calls it.
 * Files are read from disk by our own IO handler: nothing is fetched.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { loadGraphModel } from "@tensorflow/tfjs-converter";
import { CENTERNET_INPUT, CENTERNET_OUTPUT } from "./centernet-decode.js";

export interface CenterNetFiles {
  /** models/centernet.json; its weight files sit beside it. */
  modelJson: string;
  /** tfjs-backend-wasm's dist/ folder with the .wasm binaries. */
  wasmDir: string;
}

export interface CenterNetModel {
  /** Side of the square input, in pixels. */
  inputSize: number;
  /** Runs one frame already resized to inputSize x inputSize rgb24; returns the raw [N, 6] rows. */
  run(pixels: Uint8Array): Float32Array;
  /** Frees the weights. */
  dispose(): void;
}

export async function loadCenterNet(files: CenterNetFiles): Promise<CenterNetModel> {
  setWasmPaths(files.wasmDir.endsWith(path.sep) ? files.wasmDir : files.wasmDir + path.sep);
  if (!(await tf.setBackend("wasm"))) throw new Error(`the tfjs wasm backend did not start (wasm files from ${files.wasmDir})`);
  await tf.ready();

  const model = await loadGraphModel(modelFromDisk(files.modelJson));
  const shape = model.inputs.find((input) => input.name === CENTERNET_INPUT)?.shape;
  const inputSize = shape?.[1];
  if (!shape || shape.length !== 4 || !inputSize || inputSize !== shape[2] || shape[3] !== 3) {
    throw new Error(`${files.modelJson} has no input ${CENTERNET_INPUT} of shape [1, S, S, 3] (found ${JSON.stringify(shape)})`);
  }
  const pixelCount = inputSize * inputSize * 3;

  const run = (pixels: Uint8Array): Float32Array => {
    if (pixels.length !== pixelCount) throw new Error(`CenterNet input has ${pixels.length} bytes, expected ${pixelCount}`);
    const values = Float32Array.from(pixels);
    const input = tf.tensor4d(values, [1, inputSize, inputSize, 3], "float32");
    try {
      const output = model.execute({ [CENTERNET_INPUT]: input }, CENTERNET_OUTPUT) as tf.Tensor;
      try {
        return output.dataSync() as Float32Array;
      } finally {
        output.dispose();
      }
    } finally {
      input.dispose();
    }
  };
  return { inputSize, run, dispose: () => model.dispose() };
}

/** An IO handler that reads a tfjs graph model (JSON + weight shards) from the file system. */
function modelFromDisk(jsonPath: string): tf.io.IOHandler {
  return {
    async load() {
      const json = JSON.parse(await readFile(jsonPath, "utf8")) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const shards = await Promise.all(
          manifest.flatMap((group) => group.paths).map(async (file) => {
            const bytes = await readFile(path.resolve(path.dirname(jsonPath), file));
            return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
          }),
        );
        return [specs, shards];
      });
    },
  };
}
