/** Every table of the main migrations (adapters own their tables: the vector and queue tables). */
export { videoTable } from "../video/video.sql.js";
export { jobTable } from "../job/job.sql.js";
export { frameTable } from "../frame/frame.sql.js";
export { objectTable } from "../object/object.sql.js";
export { labelTable } from "../label/label.sql.js";
export { rateLimitTable } from "../rate-limit/rate-limit.sql.js";
export { libraryTable, modelTable, staleVectorsTable } from "../library/library.sql.js";
