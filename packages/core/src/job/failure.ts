/**
 * The one failure policy of a job, used by every runtime (the in-process worker pool, the worker
 * task, task-events and the reconciler, the embedded start-up recovery): what a failure is
 * (permanent, transient, or the machine's: a full disk), when a job gives up, and how long it
 * waits before the next attempt.
 */
import { VisibleError, storageFull } from "../error.js";
import { failureRemovesUpload } from "../video/errors.js";

/** The code of a job that used up its attempts. */
export const GAVE_UP = "job.gave_up";

export interface Failure {
  /** Dotted code: media.not_a_video, storage.full, job.gave_up, pipeline.error... */
  code: string;
  message: string;
  /** Trying again cannot help (bad input): fail at once. */
  permanent: boolean;
  /** The file itself is bad: failing removes the upload too. */
  badInput: boolean;
}

/** Seconds before attempt `attempt + 1`: 5 s doubling, at most 5 minutes. */
export const retryDelaySec = (attempt: number) => Math.min(300, 5 * 2 ** Math.max(0, attempt - 1));

/** What an error thrown by an attempt means for its job. */
export function failureOf(error: unknown): Failure {
  // A full disk (even wrapped) is the machine's state: never permanent, never the file's fault.
  const full = storageFull(error);
  if (full) return { code: full.code, message: full.message, permanent: false, badInput: false };
  if (error instanceof VisibleError) {
    return { code: error.code, message: error.message, permanent: error.permanent, badInput: error.permanent && failureRemovesUpload(error.code) };
  }
  return { code: "pipeline.error", message: error instanceof Error ? error.message : String(error), permanent: false, badInput: false };
}

/** A task or process that stopped without finishing its job: worth another attempt. */
export const stopped = (reason: string): Failure => ({ code: "task.stopped", message: reason, permanent: false, badInput: false });

/** The failure that ends a job whose attempts are used up, with the last one's reason in words. */
export function gaveUp(attempts: number, lastError: string, how = `Gave up after ${attempts} attempt${attempts === 1 ? "" : "s"}`): Failure {
  return { code: GAVE_UP, message: `${how}; last error: ${lastError}`, permanent: true, badInput: false };
}

export type NextStep = { kind: "fail"; failure: Failure } | { kind: "retry"; delaySec: number; failure: Failure };

/**
 * After a failed attempt: fail now (permanent, or the attempts are used up: then as job.gave_up),
 * or try again after a delay. `attempts` counts the attempt that just failed.
 */
export function nextStep(job: { attempts: number; maxAttempts: number }, failure: Failure): NextStep {
  if (failure.permanent) return { kind: "fail", failure };
  if (job.attempts >= job.maxAttempts) return { kind: "fail", failure: gaveUp(job.attempts, failure.message) };
  return { kind: "retry", delaySec: retryDelaySec(job.attempts), failure };
}

/** What a failed job's row keeps: its code, and "<code>: <message>" as its last error. */
export const recorded = (failure: Pick<Failure, "code" | "message">) => ({ errorCode: failure.code, lastError: `${failure.code}: ${failure.message}` });
