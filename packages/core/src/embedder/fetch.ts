/**
 * Puts a model's files where the runtime loads them with downloads off: a build step (the worker
 * image, a function package) or the embedder itself on first use.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { copyFile, mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream } from "node:stream/web";
import { pipeline } from "node:stream/promises";
import { VisibleError, errorMessage, isStorageFull, storageFull } from "../error.js";
import { defaultClipRevision, hubCacheFolder, isValidHubId, isValidRevision } from "./files.js";
import { modelFolder } from "./source.js";

export const DEFAULT_HUB_ENDPOINT = "https://huggingface.co";
const DEFAULT_RETRY_DELAYS_MS = [500, 2000, 5000];

export type FetchEvent =
  | { event: "present" | "downloaded" | "copied"; file: string; bytes: number; ms: number }
  | { event: "retry"; file: string; attempt: number; waitMs: number; error: string };

export interface FetchModelFilesOptions {
  /** A hub id (`Xenova/clip-vit-base-patch32`) or a folder holding the files. */
  model: string;
  /** Hub revision (branch, tag or commit); default: defaultClipRevision(model). Unused for a folder. */
  revision?: string;
  /** Paths relative to the model's root, e.g. from clipFiles(). */
  files: readonly string[];
  /** The folder to ship: a hub model's files go under it in transformers.js's cache layout; a folder model's are copied into it. */
  cacheDir: string;
  /** The hub's address; default VOS_HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  /** Sent as a bearer token (private or gated models); default HF_TOKEN. */
  token?: string;
  /** Each file's outcome and each retry, for progress lines. */
  log?: (event: FetchEvent) => void;
  /** Waits before the retries of a download that failed on the network or a 429/5xx; default 0.5, 2 and 5 s. */
  retryDelaysMs?: readonly number[];
  /**
   * Whether a file already in place is checked against the hub's Content-Length (and fetched
   * again when it differs); default true. The embedder passes false: files only ever appear
   * complete, by rename.
   */
  verifyExisting?: boolean;
}

export interface FetchedFile {
  file: string;
  /** Where it is now. */
  path: string;
  bytes: number;
  action: "present" | "downloaded" | "copied";
}

export interface FetchedModelFiles {
  kind: "hub" | "folder";
  model: string;
  /** The hub revision fetched; undefined for a folder model. */
  revision: string | undefined;
  /** The folder holding the files in the model's layout (config.json, onnx/...). */
  dir: string;
  files: FetchedFile[];
  /**
   * The settings that load these files with downloads off once `cacheDir` sits at `runtimeDir`
   * (default: where it is now). The dtype settings are the caller's: they chose the files.
   */
  settings(runtimeDir?: string): Record<string, string>;
}

/**
 * Downloads (hub id) or copies (folder) `files` of `model` into `cacheDir`, so that the runtime
 * loads them without the hub:
 *
 * - hub id: each file from `<endpoint>/<model>/resolve/<revision>/<file>` into
 *   `<cacheDir>/<model>/<revision>/<file>` (`<cacheDir>/<model>/<file>` for `main`), the layout of
 *   transformers.js's file cache. Run with VOS_CLIP_MODEL=<model>, VOS_CLIP_REVISION=<revision>,
 *   VOS_MODEL_CACHE=<cacheDir as deployed>, VOS_MODEL_DOWNLOAD=off.
 * - folder: the files are copied into `cacheDir` itself, which becomes a model folder (the same
 *   folder is left as it is). Run with VOS_CLIP_MODEL=<cacheDir as deployed>.
 *
 * Each file is streamed to a temporary sibling and renamed into place, so a file that is there is
 * whole; a file already in place is skipped (after a size check against the hub, unless
 * `verifyExisting` is false), so running it again only fetches what is missing. Network failures,
 * 429 and 5xx are retried with backoff; an unknown model, revision or file fails at once with
 * `model.not_found`, a download that keeps failing with `model.download_failed`.
 */
export async function fetchModelFiles(options: FetchModelFilesOptions): Promise<FetchedModelFiles> {
  const cacheDir = path.resolve(options.cacheDir);
  try {
    return await fetchInto(cacheDir, options);
  } catch (error) {
    // A full disk is not the network's fault: said at once, with the folder, never retried.
    throw storageFull(error, { path: cacheDir, hint: "delete files you no longer need on that disk (a model cache may be emptied: its files are fetched again)" }) ?? error;
  }
}

async function fetchInto(cacheDir: string, options: FetchModelFilesOptions): Promise<FetchedModelFiles> {
  for (const file of options.files) assertRelative(file);
  const folder = modelFolder(options.model);
  if (folder) {
    const files = await copyFolderFiles(folder, options.files, cacheDir, options.log);
    return { kind: "folder", model: options.model, revision: undefined, dir: cacheDir, files, settings: (at = cacheDir) => ({ VOS_CLIP_MODEL: at, VOS_MODEL_DOWNLOAD: "off" }) };
  }
  if (!isValidHubId(options.model)) throw new VisibleError("model.not_found", `'${options.model}' is neither a model folder nor a hub id (name or owner/name).`, 404);
  const revision = options.revision ?? defaultClipRevision(options.model);
  if (!isValidRevision(revision)) throw new VisibleError("model.invalid_revision", `'${revision}' is not a hub revision (a branch, tag or commit).`);
  const dir = hubCacheFolder(cacheDir, options.model, revision);
  const endpoint = (options.endpoint ?? process.env.VOS_HF_ENDPOINT ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, "");
  const hub: Hub = {
    endpoint,
    model: options.model,
    revision,
    token: options.token ?? process.env.HF_TOKEN,
    delays: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
    log: options.log,
  };
  const files: FetchedFile[] = [];
  // One file at a time: a model is a handful of files, and the largest decides the time anyway.
  for (const file of options.files) files.push(await fetchHubFile(hub, file, path.join(dir, file), options.verifyExisting ?? true));
  return {
    kind: "hub",
    model: options.model,
    revision,
    dir,
    files,
    settings: (at = cacheDir) => ({ VOS_CLIP_MODEL: options.model, VOS_CLIP_REVISION: revision, VOS_MODEL_CACHE: at, VOS_MODEL_DOWNLOAD: "off" }),
  };
}

interface Hub {
  endpoint: string;
  model: string;
  revision: string;
  token: string | undefined;
  delays: readonly number[];
  log: FetchModelFilesOptions["log"];
}

function assertRelative(file: string): void {
  const parts = file.split("/");
  if (file === "" || path.isAbsolute(file) || file.includes("\\") || parts.some((part) => part === "" || part === "." || part === "..")) {
    throw new VisibleError("model.invalid_file", `'${file}' is not a file path inside a model (relative, with '/' between folders).`);
  }
}

const sizeOf = (file: string) => stat(file).then((s) => (s.isFile() ? s.size : undefined), () => undefined);
const temporary = (file: string) => `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;

async function copyFolderFiles(folder: string, files: readonly string[], cacheDir: string, log: FetchModelFilesOptions["log"]): Promise<FetchedFile[]> {
  const missing = [];
  for (const file of files) if ((await sizeOf(path.join(folder, file))) === undefined) missing.push(file);
  if (missing.length > 0) throw new VisibleError("model.not_found", `The model folder ${folder} lacks ${missing.join(", ")}.`, 404);
  const result: FetchedFile[] = [];
  for (const file of files) {
    const started = performance.now();
    const from = path.join(folder, file);
    const to = path.join(cacheDir, file);
    const bytes = (await sizeOf(from))!;
    let action: FetchedFile["action"] = "present";
    if (from !== to && (await sizeOf(to)) !== bytes) {
      await mkdir(path.dirname(to), { recursive: true });
      const temp = temporary(to);
      try {
        await copyFile(from, temp);
        await rename(temp, to);
      } finally {
        await rm(temp, { force: true });
      }
      action = "copied";
    }
    log?.({ event: action, file, bytes, ms: Math.round(performance.now() - started) });
    result.push({ file, path: to, bytes, action });
  }
  return result;
}

function fileUrl(hub: Hub, file: string): string {
  const model = hub.model.split("/").map(encodeURIComponent).join("/");
  return `${hub.endpoint}/${model}/resolve/${encodeURIComponent(hub.revision)}/${file.split("/").map(encodeURIComponent).join("/")}`;
}

/** A failure worth another try (the network, a rate limit, the server), or one that is final. */
class Retryable extends Error {}

async function fetchHubFile(hub: Hub, file: string, dest: string, verifyExisting: boolean): Promise<FetchedFile> {
  const url = fileUrl(hub, file);
  // Identity: Content-Length is then the file's size, to check a download and a file in place against.
  const headers: Record<string, string> = { "User-Agent": "vos-model-fetch", "Accept-Encoding": "identity" };
  if (hub.token) headers.Authorization = `Bearer ${hub.token}`;
  const started = performance.now();
  const existing = await sizeOf(dest);
  if (existing !== undefined) {
    const expected = verifyExisting ? await withRetries(hub, file, () => remoteSize(hub, file, url, headers)) : undefined;
    if (expected === undefined || expected === existing) {
      hub.log?.({ event: "present", file, bytes: existing, ms: Math.round(performance.now() - started) });
      return { file, path: dest, bytes: existing, action: "present" };
    }
  }
  await mkdir(path.dirname(dest), { recursive: true });
  const bytes = await withRetries(hub, file, () => download(hub, file, url, headers, dest));
  hub.log?.({ event: "downloaded", file, bytes, ms: Math.round(performance.now() - started) });
  return { file, path: dest, bytes, action: "downloaded" };
}

async function withRetries<T>(hub: Hub, file: string, attempt: () => Promise<T>): Promise<T> {
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof Retryable)) throw error;
      const waitMs = hub.delays[tries];
      if (waitMs === undefined) {
        throw new VisibleError(
          "model.download_failed",
          `Could not download ${file} of '${hub.model}' (revision ${hub.revision}) from ${hub.endpoint} after ${tries + 1} attempts: ${error.message}. ` +
            "Check network access to the hub (VOS_HF_ENDPOINT sets another address), or fetch the files where the network reaches it.",
          503,
          false,
        );
      }
      hub.log?.({ event: "retry", file, attempt: tries + 1, waitMs, error: error.message });
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

async function request(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: "follow" });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Retryable(cause?.message ?? cause?.code ?? errorMessage(error));
  }
}

/** Turns a response that is not 200 into the error to throw. */
function failure(hub: Hub, file: string, response: Response): Error {
  const status = response.status;
  if (status === 408 || status === 429 || status >= 500) return new Retryable(`HTTP ${status}`);
  // The hub names what is missing (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo).
  const hubCode = response.headers.get("x-error-code");
  const hubMessage = response.headers.get("x-error-message");
  const what =
    hubCode === "RevisionNotFound"
      ? `revision '${hub.revision}' of '${hub.model}'`
      : hubCode === "RepoNotFound"
        ? `model '${hub.model}'`
        : `${file} of '${hub.model}' at revision ${hub.revision}`;
  const access = status === 401 || status === 403 ? " (or it is private or gated: set HF_TOKEN to a token that may read it)" : "";
  return new VisibleError(
    "model.not_found",
    `The hub at ${hub.endpoint} has no ${what}: HTTP ${status}${hubCode ? ` ${hubCode}` : ""}${hubMessage ? ` (${hubMessage})` : ""}${access}. ` +
      "Check VOS_CLIP_MODEL, VOS_CLIP_REVISION and the dtype settings (they choose the ONNX files).",
    404,
  );
}

async function remoteSize(hub: Hub, file: string, url: string, headers: Record<string, string>): Promise<number | undefined> {
  const response = await request(url, { method: "HEAD", headers });
  if (!response.ok) throw failure(hub, file, response);
  const length = response.headers.get("content-length");
  return length === null || response.headers.get("content-encoding") ? undefined : Number(length);
}

async function download(hub: Hub, file: string, url: string, headers: Record<string, string>, dest: string): Promise<number> {
  const response = await request(url, { headers });
  if (response.status !== 200 || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    throw failure(hub, file, response);
  }
  const length = response.headers.get("content-length");
  const expected = length === null || response.headers.get("content-encoding") ? undefined : Number(length);
  const temp = temporary(dest);
  try {
    await pipeline(Readable.fromWeb(response.body as ReadableStream<Uint8Array>), createWriteStream(temp));
    const bytes = (await sizeOf(temp))!;
    if (expected !== undefined && bytes !== expected) throw new Retryable(`the connection closed after ${bytes} of ${expected} bytes`);
    await rename(temp, dest);
    return bytes;
  } catch (error) {
    throw error instanceof Retryable || error instanceof VisibleError || isStorageFull(error) ? error : new Retryable(errorMessage(error));
  } finally {
    await rm(temp, { force: true });
  }
}
