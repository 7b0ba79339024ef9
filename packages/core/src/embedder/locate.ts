/**
 * Where the embedder reads a CLIP model from: a folder as configured, or a hub model's folder in
 * the file cache (transformers.js's layout), filled by fetchModelFiles when downloads are allowed.
 * transformers.js itself is only ever given a local folder, so it never contacts the hub: its own
 * downloads would ignore the pinned revision in places (the tokenizer's file probe asks for
 * `main`), and cannot be retried or checked.
 */
import { VisibleError, errorMessage } from "../error.js";
import { createLogger } from "../log.js";
import { fetchModelFiles } from "./fetch.js";
import { defaultClipRevision, hubCacheFolder, isValidHubId, isValidRevision } from "./files.js";
import { filesMissing, missingFiles, modelFolder, modelUnavailable, type MissingFilesReport } from "./source.js";

const log = createLogger({ module: "embedder" });

export interface ClipLocation {
  model: string;
  /** The hub revision; undefined for a folder model. */
  revision: string | undefined;
  /** The folder transformers.js loads from. */
  folder: string;
  /** Makes sure `files` are in `folder`, downloading missing hub files when allowed; `what` names the half and dtype for errors. */
  ensure(files: readonly string[], what: string): Promise<void>;
}

export interface LocateOptions {
  model: string;
  revision?: string;
  allowDownload?: boolean;
  endpoint?: string;
  cacheDir: string;
  /**
   * The error for a model that cannot be loaded, from its cause; default: a CLIP model's
   * (modelUnavailable, filesMissing). The text model of VOS_CLIP_TEXT_MODEL names itself.
   */
  unavailable?: (model: string, cause: string) => VisibleError;
}

export function locateClip(options: LocateOptions): ClipLocation {
  const unavailable = options.unavailable ?? modelUnavailable;
  const missingError = (report: MissingFilesReport) =>
    options.unavailable
      ? options.unavailable(report.model, `${report.what}: ${report.revision === undefined ? "" : "downloads are off (VOS_MODEL_DOWNLOAD=off, and no VOS_MODEL_DOWNLOAD_DIR) and "}${report.folder} lacks ${report.missing.join(", ")}`)
      : filesMissing(report);
  const folder = modelFolder(options.model, unavailable);
  if (folder) {
    return {
      model: options.model,
      revision: undefined,
      folder,
      ensure: async (files, what) => {
        const missing = missingFiles(folder, files);
        if (missing.length > 0) throw missingError({ model: options.model, revision: undefined, what, missing, folder });
      },
    };
  }
  if (!isValidHubId(options.model)) throw unavailable(options.model, "neither a folder nor a hub id (name or owner/name)");
  const revision = options.revision ?? defaultClipRevision(options.model);
  if (!isValidRevision(revision)) throw unavailable(options.model, `'${revision}' is not a hub revision`);
  const cached = hubCacheFolder(options.cacheDir, options.model, revision);
  return {
    model: options.model,
    revision,
    folder: cached,
    ensure: async (files, what) => {
      const missing = missingFiles(cached, files);
      if (missing.length === 0) return;
      if (options.allowDownload === false) throw missingError({ model: options.model, revision, what, missing, folder: cached });
      const started = performance.now();
      try {
        await fetchModelFiles({
          model: options.model,
          revision,
          files: missing,
          cacheDir: options.cacheDir,
          verifyExisting: false,
          // A search may be waiting: a short second chance, not the build's patience.
          retryDelaysMs: [250, 1000],
          ...(options.endpoint ? { endpoint: options.endpoint } : {}),
          log: (event) => (event.event === "retry" ? log.warn("model download retried", { model: options.model, ...event }) : undefined),
        });
      } catch (error) {
        throw unavailable(options.model, `${what} at revision ${revision}: ${error instanceof VisibleError ? error.message : errorMessage(error)}`);
      }
      log.info("model files downloaded", { model: options.model, revision, files: missing, ms: Math.round(performance.now() - started) });
    },
  };
}
