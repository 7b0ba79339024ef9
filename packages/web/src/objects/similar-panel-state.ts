import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import type { DetectedObject, ObjectLabel } from "../api/types";
import { shownLabel } from "./boxes";
import type { SimilarState, SimilarStore } from "./similar-store";

/** The labels people set on an object (from the panel's fetch, else the object's own). */
export function ownLabels(state: SimilarState, object: DetectedObject): readonly ObjectLabel[] {
  return state.labels.get(object.id) ?? object.labels.filter((label) => label.source !== "probable");
}

/** Labels to suggest, most used first: applied here, on the video's objects, on the results, and the detector's. */
export function labelSuggestions(state: SimilarState, more: readonly string[] = []): string[] {
  const counts = new Map<string, number>();
  const add = (label: string, weight = 1) => counts.set(label, (counts.get(label) ?? 0) + weight);
  state.recent.forEach((label, i) => add(label, 1000 - i));
  for (const label of more) add(label);
  for (const labels of state.labels.values()) for (const label of labels) add(label.label);
  if (state.object) add(state.object.label);
  for (const hit of state.hits) add(hit.label, 0.1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([label]) => label);
}

/**
 * The similar panel's state: the store's, plus the label being typed and "this object too". Both
 * live here, not in the form, so they survive the panel closing and opening on another object.
 */
export function useSimilarPanel(store: SimilarStore, more: readonly string[]) {
  const state = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const object = state.object;
  const heading = useRef<HTMLHeadingElement>(null);
  const [label, setLabel] = useState("");
  const [self, setSelf] = useState(true);

  // A newly clicked object: focus the panel; suggest the object's own label when none is typed.
  useEffect(() => {
    if (!object) return;
    heading.current?.focus({ preventScroll: true });
    const given = shownLabel({ label: "", labels: object.labels.filter((l) => l.source !== "probable") });
    if (given.label) setLabel((typed) => typed || given.label);
  }, [object?.id]); // Only a different object, not new data for the same one.

  const suggestions = useMemo(() => labelSuggestions(state, more), [state, more]);
  return { state, heading, label, setLabel, self, setSelf, suggestions };
}
