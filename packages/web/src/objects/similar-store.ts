import { isAbort, messageOf, type ApiClient } from "../api/client";
import type { DetectedObject, ObjectHit, ObjectLabel, SimilarMode, SimilarQuery } from "../api/types";
import { plural } from "../lib/format";
import { NO_BELOW, searchBelow, type Below } from "./similar-below";

/** Where a selected result goes: it is what the label names, or it is not. */
export type Bin = "positive" | "negative";

export interface SimilarSettings {
  /** Results at least this similar to the object (cosine similarity). */
  minScore: number;
  mode: SimilarMode;
  /** Only look in the clicked object's video. */
  videoOnly: boolean;
}

export const DEFAULT_SETTINGS: SimilarSettings = { minScore: 0.8, mode: "focused", videoOnly: false };

/** Results asked for per search. */
export const SIMILAR_LIMIT = 48;

/** Videos whose labels are fetched to show on the results (one request each). */
const LABELLED_VIDEOS = 8;

/** Label requests in flight at once. */
const CONCURRENCY = 4;

export interface Outcome {
  ok: boolean;
  text: string;
}

export interface SimilarState {
  /** The clicked object; undefined while the panel is closed. */
  object: DetectedObject | undefined;
  settings: SimilarSettings;
  status: "idle" | "loading" | "done" | "error";
  /** The latest results, best first (kept while the next ones load). */
  hits: readonly ObjectHit[];
  /** The closest results under a threshold nobody chose, when it left too few (shown apart). */
  below: Below;
  /** The user moved the slider: their threshold stands, with nothing shown under it. */
  chosen: boolean;
  error?: string;
  /** Selected results and the set each is in. */
  bins: ReadonlyMap<string, Bin>;
  /** Labels people set (explicit and propagated) of the object and of the results, by object id. */
  labels: ReadonlyMap<string, readonly ObjectLabel[]>;
  /** Labels applied in this session, newest first (for suggestions). */
  recent: readonly string[];
  applying: boolean;
  /** What the last labelling did, or why it failed. */
  outcome?: Outcome;
  /** Goes up whenever labels change, so views of the objects can fetch them again. */
  revision: number;
}

export interface ApplyTargets {
  positives: readonly string[];
  negatives: readonly string[];
}

export type SimilarStore = ReturnType<typeof createSimilarStore>;

type Api = Pick<ApiClient, "similarObjects" | "setLabel" | "removeLabel" | "listObjects">;

/** Runs `task` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const quote = (label: string) => `“${label}”`;

/**
 * The similar-objects panel's state: the clicked object, the search settings (a change searches
 * again; the newest search wins), results selected into a positive and a negative set, and
 * labelling them. Labelling searches again, so results marked negative leave the list.
 */
export function createSimilarStore(api: Api, options: { debounceMs?: number; limit?: number } = {}) {
  const debounceMs = options.debounceMs ?? 250;
  let state: SimilarState = { object: undefined, settings: DEFAULT_SETTINGS, status: "idle", hits: [], below: NO_BELOW, chosen: false, bins: new Map(), labels: new Map(), recent: [], applying: false, revision: 0 };
  let controller: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Videos whose labels are in `state.labels` and still current. */
  const labelled = new Set<string>();
  const listeners = new Set<() => void>();

  const set = (patch: Partial<SimilarState>) => {
    state = { ...state, ...patch };
    for (const listener of listeners) listener();
  };

  /**
   * Labels of these videos' objects (without the neighbour vote: cheap), for the chips on the
   * object and the results. A video that fails just shows no chips.
   */
  async function fetchLabels(videoIds: readonly string[], signal: AbortSignal): Promise<{ videos: string[]; labels: Map<string, readonly ObjectLabel[]> }> {
    const labels = new Map<string, readonly ObjectLabel[]>();
    const videos: string[] = [];
    const wanted = [...new Set(videoIds)].filter((id) => !labelled.has(id)).slice(0, LABELLED_VIDEOS);
    await Promise.all(
      wanted.map(async (id) => {
        const objects = await api.listObjects(id, { probable: false }, signal).catch(() => undefined);
        if (!objects) return;
        videos.push(id);
        for (const object of objects) labels.set(object.id, object.labels);
      }),
    );
    return { videos, labels };
  }

  /**
   * Searches now for the open object with the current settings; resolves when done (or
   * superseded). `patch` goes out with the loading state, in one change.
   */
  async function load(patch: Partial<SimilarState> = {}): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    const object = state.object;
    if (!object) return void (Object.keys(patch).length ? set(patch) : undefined);
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    const { minScore, mode, videoOnly } = state.settings;
    const query = { minScore, mode, limit: options.limit ?? SIMILAR_LIMIT, ...(videoOnly ? { videoId: object.videoId } : {}) } satisfies SimilarQuery;
    set({ ...patch, status: "loading", error: undefined });
    try {
      // The object's own video's labels load alongside the search; other videos' after it.
      const [hits, own] = await Promise.all([api.similarObjects(object.id, query, mine.signal), fetchLabels([object.videoId], mine.signal)]);
      const below = await searchBelow(api, object.id, query, hits, state.chosen, mine.signal);
      const shown = [...hits, ...below.hits];
      const more = await fetchLabels(shown.map((hit) => hit.videoId).filter((id) => id !== object.videoId), mine.signal);
      if (controller !== mine) return;
      for (const id of [...own.videos, ...more.videos]) labelled.add(id);
      const present = new Set(shown.map((hit) => hit.objectId));
      const bins = new Map([...state.bins].filter(([id]) => present.has(id)));
      set({ status: "done", hits, below, bins, labels: new Map([...state.labels, ...own.labels, ...more.labels]) });
    } catch (error) {
      if (controller !== mine || isAbort(error)) return;
      set({ status: "error", error: messageOf(error) });
    } finally {
      if (controller === mine) controller = undefined;
    }
  }

  function later(): void {
    clearTimeout(timer);
    timer = setTimeout(() => void load(), debounceMs);
  }

  const changeSettings = (patch: Partial<SimilarSettings>) => set({ settings: { ...state.settings, ...patch } });

  /** Labels changed on the server: fetch labels again, tell the views, search again. */
  function labelsChanged(outcome: Outcome, patch: Partial<SimilarState> = {}): Promise<void> {
    labelled.clear();
    return load({ ...patch, applying: false, outcome, revision: state.revision + 1 });
  }

  async function apply(raw: string, targets: ApplyTargets): Promise<void> {
    const label = raw.trim().toLowerCase();
    if (!label || !state.object || state.applying) return;
    const positives = [...new Set(targets.positives)];
    const negatives = [...new Set(targets.negatives)].filter((id) => !positives.includes(id));
    if (positives.length + negatives.length === 0) return;
    set({ applying: true, outcome: undefined });
    // Near-duplicates' tracks the label was carried to, less the tracks labelled here (either way).
    const carried = new Set<string>();
    const own = new Set<string>();
    const failures: string[] = [];
    let given = 0;
    let refused = 0;
    // Positives first: a negative then overrides a label carried to the same object.
    await eachLimited(positives, CONCURRENCY, async (id) => {
      try {
        const result = await api.setLabel(id, { label, polarity: "positive", propagate: true });
        given++;
        own.add(result.track);
        for (const track of result.carriedToTracks) carried.add(track);
      } catch (error) {
        failures.push(messageOf(error));
      }
    });
    await eachLimited(negatives, CONCURRENCY, async (id) => {
      try {
        own.add((await api.setLabel(id, { label, polarity: "negative", propagate: false })).track);
        refused++;
      } catch (error) {
        failures.push(messageOf(error));
      }
    });
    for (const track of own) carried.delete(track);

    const parts: string[] = [];
    if (given) parts.push(`Labelled ${given} ${quote(label)}${carried.size ? `, carried to ${plural(carried.size, "near-duplicate track")}` : ""}`);
    if (refused) parts.push(`${given ? "marked" : "Marked"} ${refused} as not ${quote(label)}`);
    if (failures.length) parts.push(`${parts.length ? "but " : ""}${plural(failures.length, "label")} could not be set: ${failures[0]}`);
    const recent = [label, ...state.recent.filter((other) => other !== label)].slice(0, 20);
    const text = parts.join("; ");
    await labelsChanged({ ok: failures.length === 0, text: /[.!?]$/.test(text) ? text : `${text}.` }, { bins: new Map(), recent });
  }

  return {
    getSnapshot: () => state,
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    /** Opens the panel on an object (a box clicked) and searches; settings carry over. */
    open(object: DetectedObject): Promise<void> {
      if (state.object?.id === object.id) {
        set({ object });
        return state.status === "error" ? load() : Promise.resolve();
      }
      set({ object, hits: [], below: NO_BELOW, bins: new Map(), outcome: undefined, status: "idle" });
      return load();
    },
    /** Newer data for the open object (its labels changed): no new search. */
    update(object: DetectedObject): void {
      if (state.object?.id === object.id && state.object !== object) set({ object });
    },
    close(): void {
      clearTimeout(timer);
      controller?.abort();
      controller = undefined;
      set({ object: undefined, status: "idle", hits: [], below: NO_BELOW, bins: new Map(), outcome: undefined, error: undefined });
    },
    /** The slider: searches once it rests for a moment. */
    setMinScore(minScore: number): void {
      if (minScore === state.settings.minScore) return;
      // Loading at once: the results on show no longer match the threshold.
      set({ settings: { ...state.settings, minScore }, chosen: true, ...(state.object ? { status: "loading" as const, error: undefined } : {}) });
      if (state.object) later();
    },
    setMode(mode: SimilarMode): Promise<void> {
      if (mode === state.settings.mode) return Promise.resolve();
      changeSettings({ mode });
      return load();
    },
    setVideoOnly(videoOnly: boolean): Promise<void> {
      if (videoOnly === state.settings.videoOnly) return Promise.resolve();
      changeSettings({ videoOnly });
      return load();
    },
    /** Searches again now (after an error, or to flush the slider's pause). */
    refresh: () => load(),

    /** Puts a result in a set, or takes it out when it is in that set already. */
    toggle(objectId: string, bin: Bin): void {
      const bins = new Map(state.bins);
      if (bins.get(objectId) === bin) bins.delete(objectId);
      else bins.set(objectId, bin);
      set({ bins });
    },
    /** Every result into one set; when all are in it already, clears them instead. */
    selectAll(bin: Bin): void {
      const shown = [...state.hits, ...state.below.hits];
      const all = shown.length > 0 && shown.every((hit) => state.bins.get(hit.objectId) === bin);
      set({ bins: all ? new Map() : new Map(shown.map((hit) => [hit.objectId, bin] as const)) });
    },
    clearSelection(): void {
      set({ bins: new Map() });
    },

    /**
     * Labels the selected results: positives get the label (along their tracks, and carried to their near-duplicates' tracks),
     * negatives get it as negative; `self` labels the clicked object too. Then searches again.
     */
    apply(label: string, { self }: { self: boolean }): Promise<void> {
      const positives = [...state.bins].filter(([, bin]) => bin === "positive").map(([id]) => id);
      const negatives = [...state.bins].filter(([, bin]) => bin === "negative").map(([id]) => id);
      return apply(label, { positives: self && state.object ? [state.object.id, ...positives] : positives, negatives });
    },
    /** Labels given objects directly (e.g. confirming a probable label of the clicked object). */
    applyTo: apply,

    async removeLabel(objectId: string, label: string): Promise<void> {
      if (state.applying) return;
      set({ applying: true, outcome: undefined });
      try {
        await api.removeLabel(objectId, label);
      } catch (error) {
        set({ applying: false, outcome: { ok: false, text: `Could not remove ${quote(label)}: ${messageOf(error)}` } });
        return;
      }
      await labelsChanged({ ok: true, text: `Removed ${quote(label)}${objectId === state.object?.id ? " from this object" : ""}.` });
    },
  };
}
