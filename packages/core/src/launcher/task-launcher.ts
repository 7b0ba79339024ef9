/** What a worker task is started for: one job, and the size that decides where it runs. */
export interface TaskRequest {
  jobId: string;
  videoId: string;
  tenantId: string;
  sizeBytes: number;
  /** Makes the request idempotent where the launcher supports it (the SQS message id). */
  idempotencyToken?: string;
}

export interface LaunchedTask {
  /** The task's id: an ECS task ARN, or a local process id. */
  taskId: string;
  kind: "fargate" | "gpu" | "process";
}

/** A task that stopped, in the terms the job state machine needs. */
export interface TaskStopped {
  taskId: string;
  /** From the task's environment (VOS_JOB_ID); undefined for tasks that are not workers. */
  jobId: string | undefined;
  /** The worker container's exit code; null when it never ran or was killed without one. */
  exitCode: number | null;
  /** Why, in words: ECS's stop code and reasons, or the signal that ended a process. */
  reason: string;
}

/** Starting a task failed in a way that may pass (no capacity, throttled): try again later. */
export class TaskLaunchFailed extends Error {
  constructor(
    message: string,
    readonly retryable = true,
  ) {
    super(message);
    this.name = "TaskLaunchFailed";
  }
}

/**
 * Starts worker tasks, one per job: ECS RunTask on AWS, a child process for the cloud mode on one
 * machine. The job id travels in the task's environment (VOS_JOB_ID).
 */
export interface TaskLauncher {
  /** Worker tasks started and not yet stopped (pending, provisioning or running). */
  active(): Promise<number>;
  /** Throws TaskLaunchFailed when the task could not be started. */
  launch(request: TaskRequest): Promise<LaunchedTask>;
  /** Asks a task to stop (best effort: it may already have stopped). */
  stop(taskId: string, reason: string): Promise<void>;
}
