/**
 * The AWS runtime: configuration, the cloud adapters of every port, worker-task launchers, and
 * the job control that the Lambda handlers and the worker task call.
 */
export { loadCloudConfig, CLOUD_ROLES, CLOUD_SETTINGS, type CloudConfig, type CloudRole, type EcsLaunchConfig, type DatabaseSource } from "./config.js";
export { databaseUrl, migrateCloudDatabase, openCloudDatabase, POOL_SIZE } from "./database.js";
export { createS3BlobStore, isDerivedKey, type S3BlobStoreOptions } from "./s3-blob-store.js";
export { createS3UploadTargets, partSize, type S3UploadTargetsOptions } from "./s3-uploads.js";
export { createSqsJobQueue, MAX_DELAY_SEC, type SqsJobQueue } from "./sqs-job-queue.js";
export { createSnsAlerts, type Alerts } from "./alerts.js";
export {
  createPineconeStore,
  packUpserts,
  retryingFetch,
  UPSERT_MAX_BYTES,
  UPSERT_MAX_RECORDS,
  type PineconeStoreOptions,
  type RetryOptions,
} from "./pinecone-store.js";
export { ensurePineconeIndex, type EnsureIndexOptions } from "./pinecone-index.js";
export { TaskLaunchFailed, type LaunchedTask, type TaskLauncher, type TaskRequest, type TaskStopped } from "./task-launcher.js";
export { chooseLaunch, createEcsTaskLauncher, parseEcsTaskStopped, JOB_ID_VARIABLE, STARTED_BY, WORKER_CONTAINER } from "./ecs-launcher.js";
export { createProcessLauncher, OWN_PROCESS_TASK_ID, processTaskId, WORKER_COMMAND, type ProcessLauncherOptions } from "./process-launcher.js";
export {
  dispatchJobs,
  handleTaskStopped,
  reconcileJobs,
  DEFER_SEC,
  TASK_START_GRACE_SEC,
  type DispatchRecord,
  type DispatchResult,
  type JobControl,
  type ReconcileResult,
  type Settlement,
} from "./jobs.js";
export { currentTaskId, runCloudJob, type CloudJobOptions } from "./worker.js";
export { startCloudRuntime, type CloudRuntime, type CloudRuntimeOptions } from "./runtime.js";
export { lambdaRuntime } from "./lambda.js";
export { startOneMachineCloud, type OneMachineCloud, type OneMachineOptions } from "./one-machine.js";
export { handleIntake, intakeOf, intakeSqsEvent, objectCreatedEvent, type EventObject, type Intake, type IntakeOutcome, type IntakeRecord, type IntakeResult, type IntakeSqsRecord, type ObjectCreatedEvent } from "./intake.js";
