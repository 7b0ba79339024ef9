/**
 * An async resource made on first use and shared by every caller: a model, a client, a cloud
 * runtime. By default a failure is not kept: the caller that asked sees it, and the next call makes
 * the resource again (a download that failed, a database that was not up yet). With
 * `keepFailureMs`, a failure answers every call for that long before the next call tries again:
 * for resources whose failed attempt is itself costly (a model read from disk only to fail again).
 */
export interface MemoOptions {
  keepFailureMs?: number;
}

/** Per call: `retryFailure` makes the resource again now when a kept failure would answer. */
export interface MemoCall {
  retryFailure?: boolean;
}

export function memoise<T>(make: () => Promise<T>, options: MemoOptions = {}): (call?: MemoCall) => Promise<T> {
  let current: Promise<T> | undefined;
  /** When a kept failure stops answering (0: the current promise has not failed). */
  let retryAt = 0;
  return (call) => {
    if (current && retryAt > 0 && (call?.retryFailure || Date.now() >= retryAt)) current = undefined;
    if (!current) {
      const made = make();
      current = made;
      retryAt = 0;
      made.catch(() => {
        if (current !== made) return;
        if (options.keepFailureMs && options.keepFailureMs > 0) retryAt = Date.now() + options.keepFailureMs;
        else current = undefined;
      });
    }
    return current;
  };
}

/** `memoise` per key: one resource for each distinct key (`keyOf` turns a key into a string). */
export function memoiseByKey<K, T>(make: (key: K) => Promise<T>, keyOf: (key: K) => string = String, options: MemoOptions = {}): (key: K, call?: MemoCall) => Promise<T> {
  const made = new Map<string, (call?: MemoCall) => Promise<T>>();
  return (key, call) => {
    const id = keyOf(key);
    let get = made.get(id);
    if (!get) {
      get = memoise(() => make(key), options);
      made.set(id, get);
    }
    return get(call);
  };
}
