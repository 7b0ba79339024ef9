import { use } from "sst/constructs";
import { Database } from "./Database.js";
import { Jobs } from "./Jobs.js";
import { Secrets } from "./Secrets.js";
import { Storage } from "./Storage.js";

/**
 * The settings the cloud runtime validates at start-up, shared by the Lambdas and the worker
 * containers. Names only: the database credentials stay in Secrets Manager (the ARN is
 * passed), and the Pinecone key is bound (Lambdas) or injected from SSM (containers).
 */
export function runtimeEnvironment(): Record<string, string> {
  const { settings } = use(Secrets);
  const { secret } = use(Database);
  const { uploads, frames } = use(Storage);
  const { queue, deadLetters } = use(Jobs);
  return {
    VOS_DATABASE_SECRET_ARN: secret.secretArn,
    VOS_UPLOADS_BUCKET: uploads.bucketName,
    VOS_FRAMES_BUCKET: frames.bucketName,
    VOS_JOBS_QUEUE_URL: queue.queueUrl,
    VOS_DEAD_LETTER_QUEUE_URL: deadLetters.queueUrl,
    VOS_PINECONE_INDEX: settings.pineconeIndex,
    VOS_CLIP_MODEL: settings.clipModel,
    VOS_CLIP_REVISION: settings.clipRevision,
    VOS_EMBED_DIMENSION: String(settings.embedDimension),
  };
}
