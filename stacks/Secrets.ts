import { Config, type StackContext } from "sst/constructs";
import { CLIP_DTYPES, defaultClipRevision, isValidHubId, isValidRevision, type ClipDtype } from "../packages/core/src/embedder/files.js";
import { isSentenceOnnxFile } from "../packages/core/src/embedder/sentence-text.js";

/** Embedding width of the CLIP models the worker image knows how to run. */
const MODEL_DIMENSIONS: Record<string, number> = {
  "Xenova/clip-vit-base-patch32": 512,
  "Xenova/clip-vit-base-patch16": 512,
  "Xenova/clip-vit-large-patch14": 768,
  "Xenova/clip-vit-large-patch14-336": 768,
};

const range = (from: number, to: number, step: number) => Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);

/** The memory sizes (MiB) Fargate accepts with each CPU size (units). */
const FARGATE_MEMORY: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

/**
 * Deploy-time settings, read once from the environment of `sst deploy` / `sst dev` (a shell
 * export or a `.env.<stage>` file, which SST loads) and validated here, so a wrong value stops
 * the deploy with a message that names it.
 */
export function readSettings(stage: string, env: NodeJS.ProcessEnv = process.env) {
  const prod = stage === "prod";
  const text = (name: string, fallback: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? fallback : value;
  };
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const raw = text(name, String(fallback));
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${name}=${JSON.stringify(raw)}: expected a whole number from ${min} to ${max}.`);
    }
    return value;
  };

  const clipModel = text("VOS_CLIP_MODEL", "Xenova/clip-vit-base-patch32");
  const knownDimension = MODEL_DIMENSIONS[clipModel];
  if (knownDimension === undefined && !env.VOS_EMBED_DIMENSION) {
    throw new Error(`VOS_CLIP_MODEL=${JSON.stringify(clipModel)} has no known embedding width: set VOS_EMBED_DIMENSION too.`);
  }
  const embedDimension = integer("VOS_EMBED_DIMENSION", knownDimension ?? 0, 2, 20_000);
  const clipRevision = text("VOS_CLIP_REVISION", defaultClipRevision(clipModel));
  if (!isValidRevision(clipRevision)) throw new Error(`VOS_CLIP_REVISION=${JSON.stringify(clipRevision)}: expected a hub revision (a commit, branch or tag).`);
  const apiClipDtype = text("VOS_API_CLIP_DTYPE", "q8");
  if (!(CLIP_DTYPES as readonly string[]).includes(apiClipDtype)) {
    throw new Error(`VOS_API_CLIP_DTYPE=${JSON.stringify(apiClipDtype)}: expected ${CLIP_DTYPES.join(", ")} (the API's model files; q8 keeps it within Lambda's size limit).`);
  }

  // Another model's text tower for the API (searches in other languages). It does not fit the
  // API's layer beside the vision half, so the function downloads it into /tmp on first use.
  const textModelId = text("VOS_CLIP_TEXT_MODEL", "");
  if (textModelId && !isValidHubId(textModelId)) {
    throw new Error(`VOS_CLIP_TEXT_MODEL=${JSON.stringify(textModelId)}: expected a hub id (owner/name). The API downloads it on first use; a folder cannot ship (with the vision half in the API's layer it passes Lambda's 262 MB).`);
  }
  const textRevision = text("VOS_CLIP_TEXT_REVISION", "main");
  if (!isValidRevision(textRevision)) throw new Error(`VOS_CLIP_TEXT_REVISION=${JSON.stringify(textRevision)}: expected a hub revision (a commit, branch or tag).`);
  const textOnnx = text("VOS_CLIP_TEXT_ONNX", "");
  if (textOnnx && !isSentenceOnnxFile(textOnnx)) throw new Error(`VOS_CLIP_TEXT_ONNX=${JSON.stringify(textOnnx)}: expected onnx/<name>.onnx, a file of the text model's onnx/ folder.`);

  const pineconeIndex = text("VOS_PINECONE_INDEX", `vos-${stage}-${embedDimension}`.toLowerCase().replace(/[^a-z0-9-]/g, "-"));
  if (!/^[a-z0-9][a-z0-9-]{0,44}$/.test(pineconeIndex)) {
    throw new Error(`VOS_PINECONE_INDEX=${JSON.stringify(pineconeIndex)}: Pinecone index names are 1-45 lowercase letters, digits or hyphens.`);
  }

  const alertEmail = text("VOS_ALERT_EMAIL", "");
  if (alertEmail !== "" && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alertEmail)) {
    throw new Error(`VOS_ALERT_EMAIL=${JSON.stringify(alertEmail)}: expected an email address.`);
  }

  const webOrigin = text("VOS_WEB_ORIGIN", "*");
  if (webOrigin !== "*" && !/^https?:\/\/[^/\s]+$/.test(webOrigin)) {
    throw new Error(`VOS_WEB_ORIGIN=${JSON.stringify(webOrigin)}: expected an origin such as https://videos.example.com (no path), or *.`);
  }

  const gpuInstanceType = text("VOS_GPU_INSTANCE_TYPE", "g4dn.xlarge");
  if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(gpuInstanceType)) {
    throw new Error(`VOS_GPU_INSTANCE_TYPE=${JSON.stringify(gpuInstanceType)}: expected an EC2 instance type such as g4dn.xlarge.`);
  }

  const workerCpu = integer("VOS_WORKER_CPU", 4096, 256, 16_384);
  const workerMemory = integer("VOS_WORKER_MEMORY", 8192, 512, 122_880);
  const memoryChoices = FARGATE_MEMORY[workerCpu];
  if (!memoryChoices) {
    throw new Error(`VOS_WORKER_CPU=${workerCpu}: Fargate takes ${Object.keys(FARGATE_MEMORY).join(", ")} CPU units.`);
  }
  if (!memoryChoices.includes(workerMemory)) {
    throw new Error(
      `VOS_WORKER_MEMORY=${workerMemory}: with ${workerCpu} CPU units Fargate takes ${memoryChoices[0]} to ${memoryChoices.at(-1)} MiB in steps of ${(memoryChoices[1] ?? memoryChoices[0]!) - memoryChoices[0]!}.`,
    );
  }

  const devWorkers = text("VOS_DEV_WORKERS", "local");
  if (devWorkers !== "local" && devWorkers !== "ecs") {
    throw new Error(`VOS_DEV_WORKERS=${JSON.stringify(devWorkers)}: expected local (sst dev runs jobs as processes on your machine) or ecs (in ECS tasks).`);
  }

  return {
    clipModel,
    /** The model revision the API's layer and the worker images both load (one setting for both). */
    clipRevision,
    /** The ONNX files of the API's CLIP (both halves): q8 by default, see docs/deploy-aws.md. */
    apiClipDtype: apiClipDtype as ClipDtype,
    /** The API's text tower from another model (VOS_CLIP_TEXT_MODEL), downloaded on first use; undefined: the CLIP model's own. */
    clipTextModel: textModelId ? { model: textModelId, revision: textRevision, ...(textOnnx ? { onnxFile: textOnnx } : {}) } : undefined,
    embedDimension,
    pineconeIndex,
    alertEmail,
    webOrigin,
    /**
     * Origins a browser may call the API and the buckets from: the web origin, plus the Vite dev
     * server outside prod (`npm run dev -w @vos/web` against a deployed stage).
     */
    webOrigins: webOrigin === "*" ? ["*"] : [webOrigin, ...(prod ? [] : ["http://localhost:5173"])],
    gpuInstanceType,
    /** Fargate task size: CPU units and MiB, a pair Fargate accepts. */
    workerCpu,
    workerMemory,
    /** Worker tasks running at once, over Fargate and GPU together. */
    maxTasks: integer("VOS_MAX_TASKS", prod ? 8 : 2, 1, 500),
    /** Where `sst dev` runs jobs: worker processes on the developer's machine, or ECS tasks. */
    devWorkers: devWorkers as "local" | "ecs",
  };
}

export type Settings = ReturnType<typeof readSettings>;

/**
 * Every secret and deploy-time parameter of the app. The Pinecone key is set out of band with
 * `npx sst secrets set PINECONE_API_KEY ...` and never appears in a template; the parameters
 * are written to SSM under `/sst/<app>/<stage>/Parameter/...` so operators can see what a stage
 * was deployed with.
 */
export function Secrets({ stack, app }: StackContext) {
  const settings = readSettings(app.stage);

  const PINECONE_API_KEY = new Config.Secret(stack, "PINECONE_API_KEY");
  const parameters = Config.Parameter.create(stack, {
    PINECONE_INDEX: settings.pineconeIndex,
    ALERT_EMAIL: settings.alertEmail || "none",
    CLIP_MODEL: settings.clipModel,
    EMBED_DIMENSION: String(settings.embedDimension),
    WORKER_CPU: String(settings.workerCpu),
    WORKER_MEMORY: String(settings.workerMemory),
    GPU_INSTANCE_TYPE: settings.gpuInstanceType,
    MAX_TASKS: String(settings.maxTasks),
    WEB_ORIGIN: settings.webOrigin,
  });

  return { PINECONE_API_KEY, parameters, settings };
}
