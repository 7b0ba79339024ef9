export { DEAD_LETTERS_SCANNED, JobMessage, type DeadLetter, type JobQueue, type ReceivedMessage } from "./job-queue.js";
export { createDbJobQueue, type DbJobQueueOptions } from "./database.js";
