/**
 * An async resource made on first use and shared by every caller: a model, a client, a cloud
 * runtime. A failure is not kept: the caller that asked sees it, and the next call makes the
 * resource again (a download that failed, a database that was not up yet).
 */
export function memoise<T>(make: () => Promise<T>): () => Promise<T> {
  let current: Promise<T> | undefined;
  return () => {
    if (!current) {
      const made = make();
      current = made;
      made.catch(() => {
        if (current === made) current = undefined;
      });
    }
    return current;
  };
}

/** `memoise` per key: one resource for each distinct key (`keyOf` turns a key into a string). */
export function memoiseByKey<K, T>(make: (key: K) => Promise<T>, keyOf: (key: K) => string = String): (key: K) => Promise<T> {
  const made = new Map<string, () => Promise<T>>();
  return (key) => {
    const id = keyOf(key);
    let get = made.get(id);
    if (!get) {
      get = memoise(() => make(key));
      made.set(id, get);
    }
    return get();
  };
}
