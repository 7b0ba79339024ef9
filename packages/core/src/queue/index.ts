export { JobMessage, type JobQueue, type ReceivedMessage } from "./job-queue.js";
export { createDbJobQueue, type DbJobQueueOptions } from "./database.js";
