/** Re-indexing: a library's vectors made again with another model, from the images ingest stored. */
export { reindexVideo, type ReindexedVideo, type ReindexProgress, type ReindexVideoOptions } from "./reindex-video.js";
