import { ApiError, isAbort, messageOf, type ApiClient } from "../api/client";
import type { Connection } from "../lib/connection";
import type { ModelMismatch, SearchFilters, SearchHit } from "../api/types";
import { shrinkPicture } from "./shrink";

export type SearchQuery = { kind: "text"; text: string } | { kind: "image"; image: Blob; name: string };

export type SearchState =
  | { status: "idle" }
  | { status: "loading"; query: SearchQuery; filters: SearchFilters; previous?: SearchHit[] }
  | { status: "done"; query: SearchQuery; filters: SearchFilters; hits: SearchHit[]; mismatch: ModelMismatch }
  | { status: "error"; query: SearchQuery; filters: SearchFilters; error: string };

/** Said of a search that waits for the server to answer again. */
export const AWAY_MESSAGE = "The server does not answer. The search runs again by itself when it does.";

/** Moments asked for per search. */
export const RESULT_LIMIT = 30;

export type SearchStore = ReturnType<typeof createSearchStore>;

export interface SearchStoreOptions {
  limit?: number;
  /** Turns a picture into what is sent (default: shrunk to 1024 px JPEG, see ./shrink). */
  prepareImage?: (image: Blob, name: string) => Promise<Blob>;
  /** A search that failed because the server is away runs again when it answers. */
  connection?: Pick<Connection, "getSnapshot" | "whenBack">;
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
      const away = options.connection && error instanceof ApiError && error.code === "network" && !options.connection.getSnapshot().online;
      const failed: SearchState = { status: "error", query, filters, error: away ? AWAY_MESSAGE : messageOf(error) };
      set(failed);
      // Unless another search (or a clear) came since.
      if (away)
        void options.connection!.whenBack().then(async () => {
          if (state === failed) await search(query, filters);
        });
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
