/**
 * The API's shapes, from the contract generated from its OpenAPI document (`@vos/contract`,
 * browser-safe), plus what the web app adds on top of them.
 */
import type { SearchHit, Stage, TextSearch } from "@vos/contract";

export type {
  Activity,
  Box,
  DeadLetter,
  CreateVideo,
  DetectedObject,
  FrameHit,
  HitKind,
  JobProgress,
  JobStatus,
  LabelInput,
  LabelPolarity,
  LabelResult,
  LabelSource,
  ModelMismatch,
  ObjectHit,
  ObjectLabel,
  QueryPicture,
  ReindexStatus,
  SearchHit,
  SimilarMode,
  SimilarRequest as SimilarQuery,
  Stage,
  UploadedPart,
  UploadTarget,
  VideoStatus,
  VideoView,
} from "@vos/contract";

/** The stages in the order a job runs them; the compiler holds the list to the API's. */
export const STAGES = ["probe", "sample", "embed", "index"] as const satisfies readonly Stage[];
type Holds<T extends true> = T;
export type EveryStageListed = Holds<[Exclude<Stage, (typeof STAGES)[number]>] extends [never] ? true : false>;

/** A stable key for a hit among others. */
export const hitKey = (hit: SearchHit) => (hit.kind === "object" ? hit.objectId : `${hit.videoId}#f${hit.frameNo}`);

/** A search's filters: the text search's fields but the words (`kinds`: moments, objects or both). */
export type SearchFilters = Omit<TextSearch, "text">;
