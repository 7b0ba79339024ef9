/**
 * At most `n` tasks at once: the `--concurrency` bound on requests in flight, shared by every
 * file of one `vos ingest`, so many files never open more connections than one file may.
 */
export function createLimiter(n: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
      else running++;
      try {
        return await task();
      } finally {
        // Hand the slot straight to the next task (running stays the same), or free it.
        const next = waiting.shift();
        if (next) next();
        else running--;
      }
    },
  };
}

export type Limiter = ReturnType<typeof createLimiter>;
