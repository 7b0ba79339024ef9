export { startEmbeddedRuntime, fileUrl, type EmbeddedRuntime } from "./embedded.js";
export { lockDataDir } from "./data-lock.js";
