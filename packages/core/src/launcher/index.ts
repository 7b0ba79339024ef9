export { TaskLaunchFailed, type LaunchedTask, type TaskLauncher, type TaskRequest, type TaskStopped } from "./task-launcher.js";
export { createProcessLauncher, OWN_PROCESS_TASK_ID, processTaskId, WORKER_COMMAND, type ProcessLauncherOptions } from "./process.js";
