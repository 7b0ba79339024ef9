import { ApiError, isAbort, messageOf } from "../api/client";
import type { Connection } from "../lib/connection";
import type { ModelMismatch, QueryPicture, SearchFilters, SearchHit } from "../api/types";
import { shrinkPicture } from "./shrink";

/**
 * Words; a picture from this page (dropped, pasted, chosen); or a picture the server kept from an
 * earlier search, by its id (a reloaded or shared link: `?image=<id>`).
 */
export type SearchQuery = { kind: "text"; text: string } | { kind: "image"; image: Blob; name: string } | { kind: "kept"; id: string };

/** `picture`: the picture searched for as the server keeps it (its id for the address bar, its URL to show). */
export type SearchState =
  | { status: "idle" }
  | { status: "loading"; query: SearchQuery; filters: SearchFilters; previous?: SearchHit[]; picture?: QueryPicture }
  | { status: "done"; query: SearchQuery; filters: SearchFilters; hits: SearchHit[]; mismatch: ModelMismatch; picture?: QueryPicture }
  | { status: "error"; query: SearchQuery; filters: SearchFilters; error: string; picture?: QueryPicture };

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

/** What a search answers: hits, the model note, and for a picture search the picture as kept. */
type Answer = { hits: SearchHit[]; modelMismatch: ModelMismatch; picture?: QueryPicture };

/** The API calls the store makes (the ApiClient's). */
export interface SearchApi {
  searchText(text: string, filters: SearchFilters, signal?: AbortSignal): Promise<Answer>;
  searchImage(image: Blob, filters: SearchFilters, signal?: AbortSignal): Promise<Answer>;
  searchKeptPicture(id: string, filters: SearchFilters, signal?: AbortSignal): Promise<Answer>;
}

/**
 * The search's state machine: idle -> loading -> done | error. A newer search aborts the one in
 * flight, so a slow answer never overwrites a newer one. Hits stay in the order the API ranked
 * them (best first): the store never sorts.
 */
export function createSearchStore(api: SearchApi, options: SearchStoreOptions = {}) {
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
    // The same picture searched again (other filters, a retry) keeps showing while it loads.
    const known = state.status !== "idle" && state.query === query ? state.picture : undefined;
    set({ status: "loading", query, filters, ...(previous ? { previous } : {}), ...(known ? { picture: known } : {}) });
    const wanted = { ...filters, limit: filters.limit ?? options.limit ?? RESULT_LIMIT };
    const send = async (): Promise<Answer> => {
      if (query.kind === "text") return api.searchText(query.text.trim(), wanted, mine.signal);
      if (query.kind === "kept") return api.searchKeptPicture(query.id, wanted, mine.signal);
      // A picture the server already keeps (a new filter, a retry) is searched by its id, not sent
      // again; one it no longer keeps is sent.
      if (known) {
        try {
          return await api.searchKeptPicture(known.id, wanted, mine.signal);
        } catch (error) {
          if (!(error instanceof ApiError && error.code === "search.picture_expired")) throw error;
        }
      }
      return api.searchImage(await toSend(query.image, query.name), wanted, mine.signal);
    };
    try {
      const answer = await send();
      const picture = answer.picture ?? known;
      if (controller === mine) set({ status: "done", query, filters, hits: answer.hits, mismatch: answer.modelMismatch, ...(picture ? { picture } : {}) });
    } catch (error) {
      if (controller !== mine || isAbort(error)) return;
      const away = options.connection && error instanceof ApiError && error.code === "network" && !options.connection.getSnapshot().online;
      const failed: SearchState = { status: "error", query, filters, error: away ? AWAY_MESSAGE : messageOf(error), ...(known ? { picture: known } : {}) };
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
