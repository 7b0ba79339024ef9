/** The video domain: one module per concern, one namespace (`Video.*`) for callers. */
export * from "./videos.js";
export { complete, retry, reviveRedriven } from "./processing.js";
export { DELETION_GRACE_MS, finishDeletions } from "./deletions.js";
export { claimModel, lockRow, markProcessing, recount, setModel, setSegments, setStatus } from "./state.js";
export { received, renewUpload, upload } from "./upload.js";
export { sourceKey, videoPrefix } from "./rows.js";
export { failureRemovesUpload, VideoNotFound, VideoNotRetryable, VideoWrongState, uploadErrors } from "./errors.js";
export { videoTable, VIDEO_STATUSES, type VideoRow, type VideoStatus } from "./video.sql.js";
export { DROP_PREFIX, forgetDrop, parseDropKey, registerDrop, type DropKey, type DroppedObject, type DropOutcome, type DropSkipped } from "./drop.js";
