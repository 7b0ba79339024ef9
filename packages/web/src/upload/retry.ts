import { ApiError, isAbort, messageOf } from "../api/client";

/** A wait before trying a failed request again, as the UI shows it. */
export interface RetryWait {
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  reason: string;
}

export interface RetryPolicy {
  /** Tries per request before it fails. */
  maxAttempts: number;
  /** Wait before try number `attempt + 1`. */
  backoff(attempt: number): number;
}

/** Exponential backoff with jitter: about 0.5 s, 1 s, 2 s, ... up to 10 s. */
export function defaultBackoff(attempt: number): number {
  const base = Math.min(10_000, 500 * 2 ** (attempt - 1));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/** A request that may succeed if sent again: network trouble, server faults, a resync. */
export function retryable(error: unknown): boolean {
  return error instanceof ApiError && (error.transient || error.status === 409);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs `send`, trying again with backoff while the failure is worth another try. `waiting` is
 * told of each wait before it starts and returns what to do once it is over.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  signal: AbortSignal,
  what: string,
  send: (attempt: number) => Promise<T>,
  waiting: (wait: RetryWait) => () => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    signal.throwIfAborted();
    try {
      return await send(attempt);
    } catch (error) {
      if (signal.aborted || isAbort(error)) throw error;
      if (!retryable(error)) throw error;
      if (attempt >= policy.maxAttempts) {
        throw new Error(attempt > 1 ? `${what} failed ${attempt} times: ${messageOf(error)}` : `${what} failed: ${messageOf(error)}`);
      }
      const delayMs = policy.backoff(attempt);
      const done = waiting({ attempt: attempt + 1, maxAttempts: policy.maxAttempts, delayMs, reason: messageOf(error) });
      await sleep(delayMs, signal);
      done();
    }
  }
}
