/**
 * Names for the shapes the API answers and takes, each read from the generated document: a
 * change to a zod schema reaches these after `npm run contract`, never by hand.
 */
import type { Answer, FormBody, JsonBody } from "./routes.js";

export type VideoView = Answer<"/videos/{id}", "get">;
export type VideoStatus = VideoView["status"];
export type VideoJob = NonNullable<VideoView["job"]>;
export type JobStatus = VideoJob["status"];
export type JobProgress = VideoJob["progress"];
export type Stage = keyof JobProgress["stages"];

export type CreateVideo = JsonBody<"/videos", "post">;
export type CreatedVideo = Answer<"/videos", "post">;
/** Where the bytes of a new video go: one `put` target, or presigned S3 multipart parts. */
export type UploadTarget = CreatedVideo["upload"];
export type UploadedPart = NonNullable<JsonBody<"/videos/{id}/complete", "post">["parts"]>[number];
/** Bytes a `put` target has received so far. */
export type UploadProgress = Answer<"/videos/{id}/upload", "get">;
export type DeletedVideo = Answer<"/videos/{id}", "delete">;

export type TextSearch = JsonBody<"/search", "post">;
export type ImageSearchForm = FormBody<"/search/image", "post">;
export type SearchHit = Answer<"/search", "post">["hits"][number];
/** A moment: neighbouring frames that match, merged. */
export type FrameHit = Extract<SearchHit, { kind: "frame" }>;
/** An object the detector found in a frame; its thumbnail is the crop. */
export type ObjectHit = Extract<SearchHit, { kind: "object" }>;
export type HitKind = SearchHit["kind"];
/** Set when ready videos were indexed with another model than the one that answered a search. */
export type ModelMismatch = Answer<"/search", "post">["modelMismatch"];
/** The picture a picture search kept, to search with again by its id. */
export type QueryPicture = Answer<"/search/image", "post">["picture"];
/** A box on a frame, normalised to the frame (0-1), x/y = top left. */
export type Box = ObjectHit["box"];

/** An object the detector found in a video (`GET /videos/{id}/objects`). */
export type DetectedObject = Answer<"/videos/{id}/objects", "get">["objects"][number];
export type ObjectLabel = DetectedObject["labels"][number];
export type LabelPolarity = ObjectLabel["polarity"];
export type LabelSource = ObjectLabel["source"];
export type SimilarRequest = JsonBody<"/objects/{objectId}/similar", "post">;
export type SimilarMode = NonNullable<SimilarRequest["mode"]>;
export type LabelInput = JsonBody<"/objects/{objectId}/labels", "put">;
export type LabelResult = Answer<"/objects/{objectId}/labels", "put">;

/** How a client signs in to this API (`GET /auth`). */
export type SignInMethod = Answer<"/auth", "get">;
export type Health = Answer<"/health", "get">;
export type ReindexStatus = Answer<"/reindex", "get">;

/** The fleet at a glance (`GET /activity`). */
export type Activity = Answer<"/activity", "get">;
/** A job that gave up, waiting for a redrive. */
export type DeadLetter = Activity["deadLetters"][number];
