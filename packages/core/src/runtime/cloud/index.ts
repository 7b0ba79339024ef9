/**
 * The AWS runtime: configuration, its composition root (`startCloudRuntime`, `lambdaRuntime`,
 * `startOneMachineCloud`), the job control that the Lambda handlers and the worker task call, and
 * the adapters that load an AWS or Pinecone SDK (S3, SQS, Pinecone, ECS). Those adapters live
 * beside their ports (blob/, uploads/, queue/, vector/, launcher/) but are exported only here, so
 * the embedded runtime never loads a cloud SDK. The ports and the SDK-free adapters (the process
 * launcher among them) come from their own folders (`@vos/core/launcher`, ...).
 */
export { loadCloudConfig, CLOUD_ROLES, CLOUD_SETTINGS, type CloudConfig, type CloudRole, type DatabaseSource } from "./config.js";
export { databaseUrl, migrateCloudDatabase, openCloudDatabase, POOL_SIZE } from "./database.js";
export { createS3BlobStore, isDerivedKey, type S3BlobStoreOptions } from "../../blob/s3.js";
export { createS3UploadTargets, partSize, type S3UploadTargetsOptions } from "../../uploads/s3-multipart.js";
export { createSqsJobQueue, MAX_DELAY_SEC, type SqsJobQueue } from "../../queue/sqs.js";
export { createSnsAlerts, type Alerts } from "./alerts.js";
export {
  createPineconeStore,
  packUpserts,
  retryingFetch,
  UPSERT_MAX_BYTES,
  UPSERT_MAX_RECORDS,
  type PineconeStoreOptions,
  type RetryOptions,
} from "../../vector/pinecone.js";
export { ensurePineconeIndex, type EnsureIndexOptions } from "../../vector/pinecone-index.js";
export { modelIndexName } from "../../vector/pinecone-owner.js";
export { chooseLaunch, createEcsTaskLauncher, parseEcsTaskStopped, JOB_ID_VARIABLE, STARTED_BY, WORKER_CONTAINER, type EcsLaunchConfig } from "../../launcher/ecs.js";
export {
  dispatchJobs,
  handleTaskStopped,
  reconcile,
  reconcileJobs,
  DEFER_SEC,
  TASK_START_GRACE_SEC,
  type DispatchRecord,
  type DispatchResult,
  type JobControl,
  type ReconcileResult,
  type Settlement,
} from "./job-control.js";
export { currentTaskId, runCloudJob, type CloudJobOptions } from "./worker.js";
export { startCloudRuntime, type CloudRuntime, type CloudRuntimeOptions } from "./runtime.js";
export { modelLoaders } from "../shared.js";
export { lambdaRuntime } from "./lambda.js";
export { startOneMachineCloud, type OneMachineCloud, type OneMachineOptions } from "./one-machine.js";
export { handleIntake, intakeOf, intakeSqsEvent, objectCreatedEvent, type EventObject, type Intake, type IntakeOutcome, type IntakeRecord, type IntakeResult, type IntakeSqsRecord, type ObjectCreatedEvent } from "./intake.js";
