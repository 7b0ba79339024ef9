/** A failure worth trying again after a pause: a dropped connection, a timeout, a 5xx, a 429. */
export class Transient extends Error {}

export interface RetryOptions {
  /** Attempts after the first; default 5. */
  retries?: number;
  /** First pause; doubled each time (with jitter) up to `maxMs`. Defaults 500 ms and 8 s. */
  baseMs?: number;
  maxMs?: number;
}

/** Runs `attempt` until it succeeds, retrying `Transient` failures with exponential backoff. */
export async function withRetries<T>(attempt: (n: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? 5;
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!(error instanceof Transient) || n >= retries) throw error;
      const pause = Math.min(options.maxMs ?? 8000, (options.baseMs ?? 500) * 2 ** n);
      await new Promise((resolve) => setTimeout(resolve, pause / 2 + Math.random() * (pause / 2)));
    }
  }
}

/**
 * Statuses a storage or API server answers when trying again later can work. Not 507 (a full
 * disk): seconds of retries do not free space; the upload stays resumable for the next run.
 */
export const isTransientStatus = (status: number) => (status >= 500 && status !== 507) || status === 429 || status === 408;
