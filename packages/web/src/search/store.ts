import { isAbort, messageOf, type ApiClient } from "../api/client";
import type { ModelMismatch, SearchFilters, SearchHit } from "../api/types";
import { shrinkPicture } from "./shrink";

export type SearchQuery = { kind: "text"; text: string } | { kind: "image"; image: Blob; name: string };

export type SearchState =
  | { status: "idle" }
  | { status: "loading"; query: SearchQuery; filters: SearchFilters; previous?: SearchHit[] }
  | { status: "done"; query: SearchQuery; filters: SearchFilters; hits: SearchHit[]; mismatch: ModelMismatch }
  | { status: "error"; query: SearchQuery; filters: SearchFilters; error: string };

/** Moments asked for per search. */
export const RESULT_LIMIT = 30;

export type SearchStore = ReturnType<typeof createSearchStore>;

export interface SearchStoreOptions {
  limit?: number;
  /** Turns a picture into what is sent (default: shrunk to 1024 px JPEG, see ./shrink). */
  prepareImage?: (image: Blob, name: string) => Promise<Blob>;
}

/**
 * The search's state machine: idle -> loading -> done | error. A newer search aborts the one in
 * flight, so a slow answer never overwrites a newer one. Hits stay in the order the API ranked
 * them (best first): the store never sorts.
 */
export function createSearchStore(api: Pick<ApiClient, "searchText" | "searchImage">, options: SearchStoreOptions = {}) {
  let state: SearchState = { status: "idle" };
  let controller: AbortController | undefined;
  const prepareImage = options.prepareImage ?? shrinkPicture;
  // A retry or a new filter sends the same shrunk picture again rather than shrinking it again.
  const prepared = new WeakMap<Blob, Promise<Blob>>();
  const toSend = (image: Blob, name: string) => {
    let pending = prepared.get(image);
    if (!pending) prepared.set(image, (pending = prepareImage(image, name)));
    return pending;
  };
  const listeners = new Set<() => void>();
  const set = (next: SearchState) => {
    state = next;
    for (const listener of listeners) listener();
  };

  async function search(query: SearchQuery, filters: SearchFilters = {}): Promise<void> {
    if (query.kind === "text" && !query.text.trim()) return clear();
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    const previous = state.status === "done" ? state.hits : state.status === "loading" ? state.previous : undefined;
    set({ status: "loading", query, filters, ...(previous ? { previous } : {}) });
    const wanted = { ...filters, limit: filters.limit ?? options.limit ?? RESULT_LIMIT };
    try {
      const { hits, modelMismatch } =
        query.kind === "text"
          ? await api.searchText(query.text.trim(), wanted, mine.signal)
          : await api.searchImage(await toSend(query.image, query.name), wanted, mine.signal);
      if (controller === mine) set({ status: "done", query, filters, hits, mismatch: modelMismatch });
    } catch (error) {
      if (controller !== mine || isAbort(error)) return;
      set({ status: "error", query, filters, error: messageOf(error) });
    } finally {
      if (controller === mine) controller = undefined;
    }
  }

  function clear(): void {
    controller?.abort();
    controller = undefined;
    set({ status: "idle" });
  }

  return {
    getSnapshot: () => state,
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    search,
    /** Runs the last search again (after an error, or with new filters). */
    retry(filters?: SearchFilters): Promise<void> {
      if (state.status === "idle") return Promise.resolve();
      return search(state.query, filters ?? state.filters);
    },
    clear,
  };
}
