import { z } from "zod";

/** What travels on the jobs queue: just enough to find the job; the job row holds the rest. */
export const JobMessage = z.object({
  jobId: z.string().min(1),
  videoId: z.string().min(1),
  tenantId: z.string().min(1),
});
export type JobMessage = z.infer<typeof JobMessage>;

export interface ReceivedMessage {
  id: string;
  /** Raw body: validated by the consumer, since a queue may carry anything. */
  body: string;
  receiptHandle: string;
  /** 1 on first delivery. */
  receiveCount: number;
  /** It came back from the dead letters (an operator's redrive): its job may be revived. */
  redriven: boolean;
}

/** A message in the dead letters, as an operator sees it before a redrive. */
export interface DeadLetter {
  /** Its id among the dead letters: what `redrive` takes. */
  id: string;
  /** Raw body: a dead letter may be a malformed message. */
  body: string;
  /** Why it died; the queue's own redrive policy gives none, so it says so. */
  reason: string;
  /** When it died, where the queue knows. */
  failedAt?: Date;
}

/** Dead letters one call looks at, at most: listing and finding one must stay bounded on a long dead-letter queue. */
export const DEAD_LETTERS_SCANNED = 100;

/**
 * A queue with SQS semantics: a received message is invisible for the visibility timeout and
 * comes back if not deleted in time; messages received more than `maxReceiveCount` times move
 * to the dead-letter state.
 */
export interface JobQueue {
  send(message: JobMessage, options?: { delaySec?: number }): Promise<void>;
  receive(options: { max: number; visibilityTimeoutSec: number }): Promise<ReceivedMessage[]>;
  delete(receiptHandle: string): Promise<void>;
  changeVisibility(receiptHandle: string, timeoutSec: number): Promise<void>;
  /**
   * Makes a received message visible again at once because its work was handed back untouched (a
   * shutdown): where the queue can, the delivery is not counted toward the dead-letter limit.
   */
  handBack(receiptHandle: string): Promise<void>;
  /** Moves a message to the dead-letter queue at once (a job that gave up). */
  deadLetter(receiptHandle: string, reason: string): Promise<void>;
  /** Up to `max` dead letters (at most DEAD_LETTERS_SCANNED), oldest first. Looking leaves them as they are. */
  deadLetters(options: { max: number }): Promise<DeadLetter[]>;
  /**
   * Moves one dead letter back onto the queue for delivery now, marked `redriven`, keeping why it
   * died. False when no dead letter has that id (redriven already, or beyond the first
   * DEAD_LETTERS_SCANNED).
   */
  redrive(id: string): Promise<boolean>;
}
