/**
 * Whether the server answers. A request that fails for the network marks it away; from then on
 * the server's health is asked every second, backing off to every few seconds, until it answers;
 * any answer to any request marks it back. What waits on it (a search, an upload, the video list)
 * goes on by itself then: `whenBack`.
 */
export interface ConnectionState {
  online: boolean;
  /** When the server stopped answering (ms since the epoch); undefined while online. */
  since?: number;
}

export interface Connection {
  getSnapshot(): ConnectionState;
  subscribe(listener: () => void): () => void;
  /** A request to the server failed for the network. */
  lost(): void;
  /** The server answered a request (whatever it said). */
  answered(): void;
  /** Resolves at once while online, else when the server answers again. */
  whenBack(): Promise<void>;
}

export interface ConnectionOptions {
  /** Asks the server whether it is there: true when it answered at all. */
  probe(): Promise<boolean>;
  /** First wait between probes, then doubled up to `maxIntervalMs`. */
  intervalMs?: number;
  maxIntervalMs?: number;
}

export function createConnection(options: ConnectionOptions): Connection {
  const first = options.intervalMs ?? 1000;
  const most = options.maxIntervalMs ?? 5000;
  let state: ConnectionState = { online: true };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let waiters: (() => void)[] = [];
  const listeners = new Set<() => void>();
  const set = (next: ConnectionState) => {
    state = next;
    for (const listener of listeners) listener();
  };

  const probeLater = (delayMs: number) => {
    timer = setTimeout(async () => {
      timer = undefined;
      if (state.online) return;
      const there = await options.probe().catch(() => false);
      if (there) answered();
      else if (!state.online && timer === undefined) probeLater(Math.min(most, delayMs * 2));
    }, delayMs);
  };

  function answered(): void {
    if (state.online) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    set({ online: true });
    const release = waiters;
    waiters = [];
    for (const resolve of release) resolve();
  }

  return {
    getSnapshot: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    lost() {
      if (!state.online) return;
      set({ online: false, since: Date.now() });
      probeLater(first);
    },
    answered,
    whenBack: () => (state.online ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
  };
}
