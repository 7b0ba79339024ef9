import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import * as lambda from "aws-cdk-lib/aws-lambda";
import type { Construct } from "constructs";
import { fetchModelFiles } from "../packages/core/src/embedder/fetch.js";
import { clipFiles, type ClipDtype, type ClipHalf } from "../packages/core/src/embedder/files.js";
import { modelFolder } from "../packages/core/src/embedder/source.js";

/** Where Lambda unpacks a layer: its `models/` folder is `/opt/models` in the function. */
export const LAYER_ROOT = "/opt";

export interface ClipLayerOptions {
  /** Hub id or folder (VOS_CLIP_MODEL), and the pinned revision the worker image bakes too. */
  model: string;
  revision: string;
  /** The ONNX files of both halves the API loads (VOS_API_CLIP_DTYPE). */
  dtype: ClipDtype;
  /** The halves to ship; default both. The vision half alone when another model embeds texts (VOS_CLIP_TEXT_MODEL). */
  halves?: readonly ClipHalf[];
  /** The repository root: the layer is built (and kept between deploys) under .sst/layers. */
  root: string;
  /** Offline synthesis: no hub, an empty stand-in layer (templates are the same). */
  offline: boolean;
  log?: (line: string) => void;
}

export interface ClipLayer {
  /** The folder the layer is made of (`models/...` inside). */
  dir: string;
  /** The API's settings that load the layer's files, never the hub. */
  environment: Record<string, string>;
  bytes: number;
}

/**
 * The CLIP model of the API, both halves (text search, and picture search), as the folder of a
 * Lambda layer. A layer rather than the function's own package: the model's 150 MB (ViT-B/32 at
 * q8) upload once per model and revision, while each code change uploads only the code.
 *
 * A hub model is downloaded at its pinned revision into transformers.js's cache layout (so the
 * runtime loads it with VOS_MODEL_CACHE=/opt/models and downloads off); a folder model is copied
 * to `models/<folder name>` and loaded from `/opt/models/<folder name>`. Files are fetched once
 * and kept by model, revision and dtype.
 */
export async function buildClipLayer(options: ClipLayerOptions): Promise<ClipLayer> {
  const halves = options.halves ?? ["text", "vision"];
  const files = clipFiles({ halves, textDtype: options.dtype, visionDtype: options.dtype });
  const folder = modelFolder(options.model);
  const key = createHash("sha256")
    .update(JSON.stringify([folder ? path.resolve(folder) : options.model, folder ? "" : options.revision, options.dtype, options.offline, ...(options.halves ? [halves] : [])]))
    .digest("hex")
    .slice(0, 16);
  const dir = path.join(options.root, ".sst", "layers", `clip-${key}`);
  const models = path.join(dir, "models");
  const inFunction = (sub: string) => path.posix.join(LAYER_ROOT, "models", sub);
  const common = { VOS_MODEL_DOWNLOAD: "off", VOS_CLIP_DTYPE: options.dtype };
  const environment = folder
    ? { VOS_CLIP_MODEL: inFunction(path.basename(folder)), ...common }
    : { VOS_CLIP_MODEL: options.model, VOS_CLIP_REVISION: options.revision, VOS_MODEL_CACHE: inFunction(""), ...common };

  if (options.offline) {
    fs.mkdirSync(models, { recursive: true });
    fs.writeFileSync(path.join(models, "README.txt"), `Offline synthesis: the deploy puts ${options.model} (${options.dtype}, ${halves.join(" and ")}) here.\n`);
    return { dir, environment, bytes: 0 };
  }
  const fetched = await fetchModelFiles({
    model: options.model,
    revision: options.revision,
    files,
    cacheDir: folder ? path.join(models, path.basename(folder)) : models,
    // A commit never changes: files already fetched for it need no second look at the hub.
    verifyExisting: !/^[0-9a-f]{40}$/.test(options.revision),
    log: (event) => {
      if (event.event === "retry") options.log?.(`  retrying ${event.file} in ${event.waitMs} ms: ${event.error}`);
      else if (event.event !== "present") options.log?.(`  ${event.event} ${event.file} (${(event.bytes / 1e6).toFixed(1)} MB)`);
    },
  });
  return { dir, environment, bytes: fetched.files.reduce((sum, file) => sum + file.bytes, 0) };
}

/** The layer construct over a built folder. */
export function clipLayerVersion(scope: Construct, layer: ClipLayer, description: string): lambda.LayerVersion {
  return new lambda.LayerVersion(scope, "ClipModel", {
    code: lambda.Code.fromAsset(layer.dir),
    description,
    compatibleArchitectures: [lambda.Architecture.X86_64, lambda.Architecture.ARM_64],
  });
}
