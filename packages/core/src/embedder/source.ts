/** Where a configured CLIP model's files are, and the errors that say why they are not. */
import { existsSync } from "node:fs";
import path from "node:path";
import { VisibleError } from "../error.js";
import { resolveModelSource } from "../util/model-source.js";

/**
 * The absolute folder a model setting names, or undefined for a hub id. Anything that is clearly
 * a path but not a folder fails with `unavailable` (by default `model.not_found`).
 */
export function modelFolder(model: string, unavailable: (model: string, cause: string) => VisibleError = notFound): string | undefined {
  const source = resolveModelSource(model, [], unavailable);
  return source.local ? source.location : undefined;
}

/** Files of `files` that `folder` lacks. */
export function missingFiles(folder: string, files: readonly string[]): string[] {
  return files.filter((file) => !existsSync(path.join(folder, file)));
}

function notFound(model: string, cause: string): VisibleError {
  return new VisibleError("model.not_found", `Model '${model}': ${cause}.`, 404);
}

export function modelUnavailable(model: string, cause: string): VisibleError {
  return new VisibleError(
    "embedder.model_unavailable",
    `Could not load CLIP model '${model}' (${cause}). Set VOS_CLIP_MODEL to a local folder with a CLIP ONNX ` +
      "export, or check network access to the Hugging Face hub.",
    503,
    false,
  );
}

export interface MissingFilesReport {
  model: string;
  /** The hub revision; undefined for a folder model. */
  revision: string | undefined;
  /** What chose the files, e.g. "text q8". */
  what: string;
  missing: readonly string[];
  folder: string;
}

/** A half's files are not where they must be and may not be downloaded. */
export function filesMissing({ model, revision, what, missing, folder }: MissingFilesReport): VisibleError {
  const at = revision === undefined ? "" : ` at revision ${revision}`;
  const remedy =
    revision === undefined
      ? "Put them in the folder, or choose the dtype the folder has (VOS_CLIP_DTYPE, VOS_CLIP_TEXT_DTYPE)."
      : "Fetch them into that folder when building (fetchModelFiles, or packages/worker/scripts/bake-model.ts with the same " +
        "VOS_CLIP_MODEL, VOS_CLIP_REVISION and dtype settings), point VOS_MODEL_CACHE at the folder that holds them, or set VOS_MODEL_DOWNLOAD=on.";
  const why = revision === undefined ? "" : "downloads are off (VOS_MODEL_DOWNLOAD=off) and ";
  return new VisibleError(
    "embedder.model_unavailable",
    `Could not load CLIP model '${model}'${at} (${what}): ${why}${folder} lacks ${missing.join(", ")}. ${remedy}`,
    503,
    false,
  );
}
