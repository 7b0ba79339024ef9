/**
 * Which files of a CLIP ONNX export each half reads, and where transformers.js's file cache keeps
 * a hub model's files. Plain functions with no heavy imports: build scripts and the settings call
 * them without loading onnxruntime.
 */
import path from "node:path";

export const DEFAULT_CLIP_MODEL = "Xenova/clip-vit-base-patch32";
/** The commit of DEFAULT_CLIP_MODEL this project is tested against: every runtime loads the same files. */
export const DEFAULT_CLIP_REVISION = "d15189d7028b43f1d3e65039190477f6af591c2a";

export const CLIP_DTYPES = ["fp32", "fp16", "q8"] as const;
/** Which ONNX files a half loads: fp32 `<half>_model.onnx`, fp16 `_fp16`, q8 `_quantized` (8-bit weights). */
export type ClipDtype = (typeof CLIP_DTYPES)[number];
export type ClipHalf = "text" | "vision";

/** What transformers.js appends to an ONNX file's name for each dtype. */
export const DTYPE_SUFFIX: Readonly<Record<ClipDtype, string>> = { fp32: "", fp16: "_fp16", q8: "_quantized" };

/** The hub revision used when none is given: the pinned commit for the default model, else `main`. */
export function defaultClipRevision(model: string): string {
  return model === DEFAULT_CLIP_MODEL ? DEFAULT_CLIP_REVISION : "main";
}

/** The ONNX file of one half at a dtype, as transformers.js names it. */
export function clipOnnxFile(half: ClipHalf, dtype: ClipDtype): string {
  return `onnx/${half}_model${DTYPE_SUFFIX[dtype]}.onnx`;
}

export interface ClipFilesOptions {
  halves: readonly ClipHalf[];
  /** Default fp32. */
  textDtype?: ClipDtype;
  /** Default fp32. */
  visionDtype?: ClipDtype;
}

/**
 * The files (relative to the model's root) the embedder reads for `halves`: config.json always,
 * the tokenizer for text, the image preprocessor for vision, and each half's ONNX file.
 */
export function clipFiles({ halves, textDtype = "fp32", visionDtype = "fp32" }: ClipFilesOptions): string[] {
  const files = ["config.json"];
  if (halves.includes("text")) files.push("tokenizer.json", "tokenizer_config.json", clipOnnxFile("text", textDtype));
  if (halves.includes("vision")) files.push("preprocessor_config.json", clipOnnxFile("vision", visionDtype));
  return files;
}

/**
 * The folder transformers.js's file cache keeps a hub model's files in (its cache key is
 * `<model>/<file>` for revision `main`, `<model>/<revision>/<file>` for any other), so
 * `from_pretrained(model, { revision, cache_dir, local_files_only: true })` finds what lies there.
 */
export function hubCacheFolder(cacheDir: string, model: string, revision: string): string {
  return revision === "main" ? path.join(cacheDir, ...model.split("/")) : path.join(cacheDir, ...model.split("/"), ...revision.split("/"));
}

/** A hub model id (`name` or `owner/name`), which must not climb out of the cache folder. */
export function isValidHubId(model: string): boolean {
  return /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/.test(model) && !model.includes("..");
}

/** A hub revision: a branch, tag or commit; nothing that could leave the cache folder. */
export function isValidRevision(revision: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$/.test(revision) && !revision.split("/").some((part) => part === "" || part === "." || part === "..");
}
