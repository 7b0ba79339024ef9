export { VisibleError, isVisibleError, errorMessage, formatBytes, isStorageFull, storageFull, StorageFull } from "./error.js";
export { createLogger, log, redactSecret, redactText, setLogLevel, setLogSink, type Logger, type LogLevel } from "./log.js";
export { loadConfig, CONFIG_SETTINGS, type Config } from "./config.js";
export { textField, isStorableText } from "./util/text.js";
export type { Services, Settings } from "./services.js";
export type { UploadTargets } from "./uploads/upload-targets.js";
export * as Video from "./video/index.js";
export * as Job from "./job/index.js";
export * as Frame from "./frame/index.js";
export * as Search from "./search/index.js";
export * as Pipeline from "./pipeline/index.js";
// Not `Object`: that name would shadow the global in every importer.
export * as Objects from "./object/index.js";
export * as Tracks from "./object/tracks.js";
export * as Label from "./label/index.js";
export * as RateLimit from "./rate-limit/index.js";
export * as Reindex from "./reindex/index.js";
export * as Library from "./library/index.js";
