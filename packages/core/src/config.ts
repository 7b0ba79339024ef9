import path from "node:path";
import { z } from "zod";
import { AUTH_SETTINGS, readAuth, type AuthConfig } from "./auth/index.js";
import { CLIP_DEVICES, type ClipDevice } from "./embedder/device.js";
import { CLIP_DTYPES, defaultClipRevision, isValidRevision, type ClipDtype } from "./embedder/files.js";
import { isSentenceOnnxFile } from "./embedder/sentence-text.js";
import { VisibleError } from "./error.js";
import { redactSecret } from "./log.js";
import type { MediaPolicy } from "./media/probe.js";
import { DEFAULT_TRACK_EMBED_SEC } from "./object/embed-plan.js";
import type { RateLimits } from "./rate-limit/index.js";

const GiB = 1024 ** 3;

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const number = (min: number, max: number) => z.coerce.number().min(min).max(max);
/** Seconds of video per segment job: 0 (never split) or 30 to 3600. */
const segmentSeconds = z.coerce
  .number()
  .refine((n) => n === 0 || (n >= 30 && n <= 3600), "expected 0 (never split) or a number of seconds from 30 to 3600");
const flag = z.enum(["true", "false", "1", "0", "yes", "no", "on", "off"]).transform((v) => ["true", "1", "yes", "on"].includes(v));
/** A comma-separated list of lower-case names, or `*` for any. */
const names = z
  .string()
  .transform((value) => value.split(",").map((item) => item.trim().toLowerCase()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^(\*|[a-z0-9_.-]+)$/, "expected names separated by commas, or *")).min(1, "expected at least one name, or *"))
  .transform((list): string[] | "*" => (list.includes("*") ? "*" : list));
/** `WIDTHxHEIGHT`: the longer and the shorter side, whatever the orientation. */
const resolution = z
  .string()
  .regex(/^\d{2,5}x\d{2,5}$/, "expected WIDTHxHEIGHT, e.g. 3840x2160")
  .transform((value) => {
    const [a, b] = value.split("x").map(Number) as [number, number];
    return { longSide: Math.max(a, b), shortSide: Math.min(a, b) };
  });

/** Field builders shared by the embedded and the cloud configuration. */
export const fields = { integer, number, flag, names, resolution };

/**
 * Settings both runtimes read (tenant, model, sampling, limits, logging): one definition, so the
 * same variable means the same thing on a laptop and on AWS. Each key is the environment
 * variable's name; `describe` is what the README's tables and the error messages print.
 */
export const SHARED_SETTINGS = {
  VOS_TENANT: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/).default("local").describe("tenant of the single local user"),
  VOS_CLIP_MODEL: z.string().min(1).default("Xenova/clip-vit-base-patch32").describe("CLIP model: Hugging Face hub id or local folder"),
  VOS_CLIP_REVISION: z
    .string()
    .refine(isValidRevision, "expected a hub branch, tag or commit")
    .optional()
    .describe("hub revision (branch, tag or commit) of a hub-id CLIP model; default: a pinned commit for Xenova/clip-vit-base-patch32, main for other ids; unused for a folder"),
  VOS_CLIP_TEXT_MODEL: z
    .string()
    .min(1)
    .optional()
    .describe("a sentence-transformers text model made for the CLIP model (hub id or folder), which embeds search texts in its place: sentence-transformers/clip-ViT-B-32-multilingual-v1 searches a ViT-B/32 library in 50+ languages, without a re-index"),
  VOS_CLIP_TEXT_REVISION: z
    .string()
    .refine(isValidRevision, "expected a hub branch, tag or commit")
    .optional()
    .describe("hub revision of VOS_CLIP_TEXT_MODEL (default main); unused for a folder"),
  VOS_CLIP_TEXT_ONNX: z
    .string()
    .refine(isSentenceOnnxFile, "expected onnx/<name>.onnx")
    .optional()
    .describe("the ONNX file of VOS_CLIP_TEXT_MODEL's onnx/ folder to run (e.g. onnx/model_quint8_avx2.onnx); default: VOS_CLIP_TEXT_DTYPE's (onnx/model.onnx, _fp16, _quantized)"),
  VOS_CLIP_DTYPE: z.enum(CLIP_DTYPES).default("fp32").describe("ONNX files both CLIP halves load: fp32, fp16 or q8 (8-bit weights)"),
  VOS_CLIP_TEXT_DTYPE: z.enum(CLIP_DTYPES).optional().describe("ONNX files of the text half (default: VOS_CLIP_DTYPE)"),
  VOS_CLIP_DEVICE: z.enum(CLIP_DEVICES).default("auto").describe("where CLIP runs: cpu, cuda (the CPU when CUDA cannot start, with a warning), or auto (cuda where onnxruntime-node's CUDA provider is installed)"),
  VOS_MODEL_DOWNLOAD: z.enum(["on", "off"]).default("on").describe("on: missing hub model files are downloaded on first use; off: never contact the hub, a missing file fails at once"),
  VOS_MODEL_DOWNLOAD_DIR: z
    .string()
    .min(1)
    .optional()
    .describe("where the models a deployment does not ship are downloaded on first use, even with VOS_MODEL_DOWNLOAD=off: VOS_CLIP_TEXT_MODEL, and a library's earlier model while a re-index moves it (the API on AWS: /tmp/vos-models)"),
  VOS_DETECTOR: z.string().min(1).default("centernet").describe("object detector: centernet (built in), a transformers.js model id or folder, or off"),
  VOS_DETECT_THRESHOLD: number(0, 1).default(0.3).describe("lowest detector score an object is kept at"),
  VOS_MAX_OBJECTS: integer(0, 100).default(10).describe("most objects kept per frame"),
  VOS_TRACK_EMBED_SEC: number(0, 3600)
    .default(DEFAULT_TRACK_EMBED_SEC)
    .describe("seconds between two embedded crops of one tracked object (sooner when its box doubles or halves, or the detector is much surer); 0: embed every detection"),
  VOS_PROPAGATE_SCORE: number(0, 1).default(0.95).describe("similarity at which a label carries over to near-duplicate objects"),
  VOS_PROBABLE_SCORE: number(0, 1).default(0.85).describe("similarity at which a labelled object's neighbours vote for a probable label"),
  VOS_EMBED_BATCH: integer(1, 1024).default(16).describe("images per embedding batch"),
  VOS_THREADS: integer(0, 256).default(0).describe("inference threads (0 = runtime default)"),
  VOS_SAMPLE_FPS: number(0.01, 30).default(1).describe("sampling cap: frames per second kept at most between scene changes"),
  VOS_SCENE_THRESHOLD: number(0, 1).default(0.25).describe("scene-change score (0-1) that keeps a frame at once; 0 turns it off"),
  VOS_DEDUP: flag.default(true).describe("drop frames that look like the last kept one"),
  VOS_MAX_GAP_SEC: number(0.1, 3600).default(10).describe("keep a frame in every slot of this many seconds, even when nothing changes"),
  // 300 s, measured (bench/README.md, "scale"): 7% over one pass at 120 s on one worker, and on
  // AWS, where each segment pays a task start, the shortest wall time and fewest task minutes for
  // a 2-hour video on the default 10 tasks.
  VOS_SEGMENT_SEC: segmentSeconds
    .default(300)
    .describe("a video longer than this is split into segments of about this many seconds (a whole number of VOS_MAX_GAP_SEC slots), each its own job, run in parallel; 0: never split"),
  VOS_FRAME_WIDTH: integer(64, 3840).default(640).describe("width frames are decoded at (scaled inside ffmpeg)"),
  VOS_MAX_UPLOAD_BYTES: integer(1, 1024 * GiB).default(5 * GiB).describe("largest accepted upload, in bytes"),
  VOS_MAX_DURATION_SEC: number(1, 7 * 24 * 3600).default(3 * 3600).describe("longest accepted video, in seconds"),
  VOS_MAX_RESOLUTION: resolution.prefault("8192x4320").describe("largest accepted picture (either orientation), WIDTHxHEIGHT"),
  VOS_CONTAINERS: names
    .prefault("mp4,mov,matroska,avi,mpegts,mpeg,flv,ogg,asf,mxf,h264,hevc")
    .describe("accepted containers (ffprobe demuxer names), comma-separated, or *"),
  VOS_CODECS: names
    .prefault("h264,hevc,av1,vp8,vp9,mpeg4,mpeg2video,mpeg1video,mjpeg,prores,dnxhd,theora,vc1,wmv3,h263,msmpeg4v3")
    .describe("accepted video codecs (ffprobe codec names), comma-separated, or *"),
  VOS_RATE_SEARCH: integer(0, 1_000_000).default(120).describe("searches per minute per tenant, with bursts up to the same number (0 = no limit)"),
  VOS_RATE_UPLOADS: integer(0, 1_000_000).default(60).describe("new uploads per minute per tenant, with bursts up to the same number (0 = no limit)"),
  VOS_MAX_ATTEMPTS: integer(1, 20).default(3).describe("attempts per job before it is marked failed"),
  VOS_VISIBILITY_TIMEOUT_SEC: integer(5, 43200).default(60).describe("how long a received job stays invisible without a heartbeat"),
  VOS_LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info").describe("log level"),
};

/**
 * Every setting of the embedded runtime, read once from the environment at start-up.
 */
const schema = z.object({
  VOS_DATA_DIR: z.string().min(1).default(".vos").describe("data folder: database, uploads, thumbnails"),
  PORT: integer(1, 65535).default(3000).describe("HTTP port of `vos serve`"),
  VOS_HOST: z.string().min(1).default("127.0.0.1").describe("interface `vos serve` listens on (0.0.0.0 for all)"),
  VOS_API_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{16,512}$/, "expected 16 to 512 printable characters without spaces")
    .optional()
    .describe("when set, the API needs `Authorization: Bearer <token>` (all but /api/health); the CLI sends it too"),
  VOS_WORKERS: integer(1, 64).default(1).describe("videos processed at once"),
  ...AUTH_SETTINGS,
  ...SHARED_SETTINGS,
});

/** The settings both runtimes read, as the domain and the composition roots use them. */
export interface SharedConfig {
  tenant: string;
  clipModel: string;
  /** How the CLIP model's files are chosen and where it runs (see ClipEmbedderOptions). */
  clip: { revision: string; textDtype: ClipDtype; visionDtype: ClipDtype; device: ClipDevice; textModel?: { model: string; revision?: string; onnxFile?: string } };
  /** False: never contact the model hub (VOS_MODEL_DOWNLOAD=off) for the configured model. */
  modelDownload: boolean;
  /** Where models other than the configured one are downloaded, downloads allowed (VOS_MODEL_DOWNLOAD_DIR). */
  modelDownloadDir?: string;
  /** Undefined when detection is off (VOS_DETECTOR=off or VOS_MAX_OBJECTS=0). */
  detector: { model: string; threshold: number; maxObjects: number } | undefined;
  embedBatch: number;
  trackEmbedSec: number;
  propagateScore: number;
  probableScore: number;
  threads: number;
  sampling: { fps: number; sceneThreshold: number; dedup: boolean; maxGapSec: number };
  /** Seconds of video per segment job; 0: never split. */
  segmentSec: number;
  frameWidth: number;
  maxUploadBytes: number;
  maxDurationSec: number;
  media: MediaPolicy;
  rateLimits: RateLimits;
  maxAttempts: number;
  visibilityTimeoutSec: number;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
}

/** Reads SHARED_SETTINGS' values into their shape (both runtimes' loaders call it). */
export function sharedConfig(c: z.output<z.ZodObject<typeof SHARED_SETTINGS>>): SharedConfig {
  return {
    tenant: c.VOS_TENANT,
    clipModel: c.VOS_CLIP_MODEL,
    clip: {
      revision: c.VOS_CLIP_REVISION ?? defaultClipRevision(c.VOS_CLIP_MODEL),
      textDtype: c.VOS_CLIP_TEXT_DTYPE ?? c.VOS_CLIP_DTYPE,
      visionDtype: c.VOS_CLIP_DTYPE,
      device: c.VOS_CLIP_DEVICE,
      ...(c.VOS_CLIP_TEXT_MODEL
        ? { textModel: { model: c.VOS_CLIP_TEXT_MODEL, ...(c.VOS_CLIP_TEXT_REVISION ? { revision: c.VOS_CLIP_TEXT_REVISION } : {}), ...(c.VOS_CLIP_TEXT_ONNX ? { onnxFile: c.VOS_CLIP_TEXT_ONNX } : {}) } }
        : {}),
    },
    modelDownload: c.VOS_MODEL_DOWNLOAD === "on",
    ...(c.VOS_MODEL_DOWNLOAD_DIR ? { modelDownloadDir: c.VOS_MODEL_DOWNLOAD_DIR } : {}),
    detector: c.VOS_DETECTOR === "off" || c.VOS_MAX_OBJECTS === 0 ? undefined : { model: c.VOS_DETECTOR, threshold: c.VOS_DETECT_THRESHOLD, maxObjects: c.VOS_MAX_OBJECTS },
    embedBatch: c.VOS_EMBED_BATCH,
    trackEmbedSec: c.VOS_TRACK_EMBED_SEC,
    propagateScore: c.VOS_PROPAGATE_SCORE,
    probableScore: c.VOS_PROBABLE_SCORE,
    threads: c.VOS_THREADS,
    sampling: { fps: c.VOS_SAMPLE_FPS, sceneThreshold: c.VOS_SCENE_THRESHOLD, dedup: c.VOS_DEDUP, maxGapSec: c.VOS_MAX_GAP_SEC },
    segmentSec: c.VOS_SEGMENT_SEC,
    frameWidth: c.VOS_FRAME_WIDTH,
    maxUploadBytes: c.VOS_MAX_UPLOAD_BYTES,
    maxDurationSec: c.VOS_MAX_DURATION_SEC,
    media: { maxResolution: c.VOS_MAX_RESOLUTION, containers: c.VOS_CONTAINERS, codecs: c.VOS_CODECS },
    rateLimits: { searchPerMinute: c.VOS_RATE_SEARCH, uploadsPerMinute: c.VOS_RATE_UPLOADS },
    maxAttempts: c.VOS_MAX_ATTEMPTS,
    visibilityTimeoutSec: c.VOS_VISIBILITY_TIMEOUT_SEC,
    logLevel: c.VOS_LOG_LEVEL,
  };
}

export interface Config extends SharedConfig {
  dataDir: string;
  port: number;
  host: string;
  /** Bearer token the API requires; undefined: no token (the default, for a loopback-only server). */
  apiToken: string | undefined;
  /** Sign-in with a Cognito user pool (VOS_AUTH_ISSUER): a tenant per user instead of one. */
  auth?: AuthConfig;
  workers: number;
}

/** A field's default as written (`prefault` keeps the text form of parsed values such as lists). */
export function defaultOf(field: z.ZodType): unknown {
  return field instanceof z.ZodDefault || field instanceof z.ZodPrefault ? (field.def.defaultValue as unknown) : undefined;
}

export const CONFIG_SETTINGS = Object.entries(schema.shape).map(([name, field]) => ({
  name,
  description: field.description ?? "",
  /** undefined: optional, unset by default. */
  default: defaultOf(field),
}));

/** Validates the environment; a wrong value stops start-up with a message that names it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const c = parseEnvironment(schema, env);
  redactSecret(c.VOS_API_TOKEN);
  // Off unless an issuer is given: the local server stays a one-user tool by default.
  const { auth, missing } = readAuth(c, c.VOS_AUTH_ISSUER ? "cognito" : "off");
  const conflicts = auth && c.VOS_API_TOKEN ? ["VOS_API_TOKEN and VOS_AUTH_ISSUER are both set: choose the token or Cognito sign-in"] : [];
  const problems = [...missing.map((name) => `${name} is not set: ${AUTH_SETTINGS[name].description ?? ""} (or VOS_AUTH=off)`), ...conflicts];
  if (problems.length > 0) throw new VisibleError("config.invalid", `Invalid configuration:\n  ${problems.join("\n  ")}`);
  return {
    ...sharedConfig(c),
    dataDir: path.resolve(cwd, c.VOS_DATA_DIR),
    port: c.PORT,
    host: c.VOS_HOST,
    apiToken: c.VOS_API_TOKEN,
    ...(auth ? { auth } : {}),
    workers: c.VOS_WORKERS,
  };
}

/**
 * Validates the variables `schema` names (unset and empty count as absent, so defaults apply) and
 * stops with one message naming every variable at fault and what it is for.
 */
export function parseEnvironment<S extends z.ZodRawShape>(schema: z.ZodObject<S>, env: NodeJS.ProcessEnv): z.output<z.ZodObject<S>> {
  const present = Object.fromEntries(Object.keys(schema.shape).flatMap((key) => (env[key] !== undefined && env[key] !== "" ? [[key, env[key]]] : [])));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      if (issue.path.length === 0) return issue.message;
      const name = String(issue.path[0]);
      const description = (schema.shape[name] as z.ZodType | undefined)?.description ?? "";
      if (present[name] === undefined) return `${name} is not set: ${issue.message} (${description})`;
      return `${name}=${JSON.stringify(env[name])}: ${issue.message} (${description})`;
    });
    throw new VisibleError("config.invalid", `Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  return parsed.data;
}
