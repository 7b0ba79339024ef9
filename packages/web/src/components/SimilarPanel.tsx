import { useEffect, useId, useMemo, useRef, useState, useSyncExternalStore, type FormEvent, type KeyboardEvent, type MouseEvent } from "react";
import type { DetectedObject, ObjectHit, ObjectLabel } from "../api/types";
import { formatScore, formatTime, plural } from "../lib/format";
import { shownLabel } from "../objects/boxes";
import type { Bin, SimilarState, SimilarStore } from "../objects/similar-store";
import { CheckIcon, CloseIcon, RetryIcon, TagIcon } from "./Icons";

export interface SimilarPanelProps {
  store: SimilarStore;
  resolveUrl(url: string): string;
  hrefOf(hit: ObjectHit): string;
  /** Opens a result in the player. */
  onOpen(hit: ObjectHit): void;
  onClose(): void;
  /** The title of the clicked object's video. */
  videoTitle?: string;
  /** More labels to suggest, e.g. those of the video's objects. */
  suggestions?: readonly string[];
}

const SKELETONS = 6;

/** The labels people set on an object (from the panel's fetch, else the object's own). */
function ownLabels(state: SimilarState, object: DetectedObject): readonly ObjectLabel[] {
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

function summary(state: SimilarState): string {
  const at = `at or above ${formatScore(state.settings.minScore)}`;
  switch (state.status) {
    case "idle":
      return "";
    case "loading":
      return "Searching…";
    case "error":
      return "The search failed.";
    case "done":
      return state.hits.length === 0 ? `Nothing ${at}.` : `${plural(state.hits.length, "similar object")} ${at}, best first.`;
  }
}

function LabelChip({ label, onRemove, onConfirm, busy }: { label: ObjectLabel; onRemove?(): void; onConfirm?(): void; busy?: boolean }) {
  const text = label.source === "probable" ? `${label.label}?` : label.polarity === "negative" ? `not ${label.label}` : label.label;
  const how = label.source === "probable" ? "probable: most similar labelled objects say so" : label.source === "propagated" ? "carried from a near-duplicate" : "set by a person";
  return (
    <li className={`chip ${label.polarity} ${label.source}`} title={`${text} (${how})`}>
      <span>{text}</span>
      {label.source === "propagated" ? <span className="chip-note">carried</span> : null}
      {onConfirm ? (
        <button type="button" className="chip-button" onClick={onConfirm} disabled={busy} aria-label={`Confirm ${label.label}`} title={`Confirm: label it ${label.label}`}>
          <CheckIcon width={14} height={14} />
        </button>
      ) : null}
      {onRemove ? (
        <button type="button" className="chip-button" onClick={onRemove} disabled={busy} aria-label={`Remove ${text}`} title={`Remove ${text}`}>
          <CloseIcon width={14} height={14} />
        </button>
      ) : null}
    </li>
  );
}

/**
 * Objects like the clicked one: threshold, focused or expanded search, this video only; results
 * picked into a positive and a negative set and labelled together. A side panel, a bottom sheet
 * on narrow screens.
 */
export function SimilarPanel({ store, resolveUrl, hrefOf, onOpen, onClose, videoTitle, suggestions: more = [] }: SimilarPanelProps) {
  const state = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const object = state.object;
  const titleId = useId();
  const listId = useId();
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
  if (!object) return null;

  const shown = shownLabel(object);
  const own = ownLabels(state, object);
  const probable = object.labels.filter((l) => l.source === "probable" && !own.some((o) => o.label === l.label));
  const positives = [...state.bins.values()].filter((bin) => bin === "positive").length;
  const negatives = state.bins.size - positives;
  const typed = label.trim().toLowerCase();
  const targets = positives + negatives + (self ? 1 : 0);
  const busy = state.applying;
  /** The similar search leaves out results marked as not one of these. */
  const named = (name: string) => name === object.label || own.some((l) => l.polarity === "positive" && l.label === name);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    event.preventDefault();
    onClose();
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!typed || targets === 0) return;
    void store.apply(typed, { self });
  };
  const open = (hit: ObjectHit) => (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    onOpen(hit);
  };

  return (
    <aside className="card similar-panel" aria-labelledby={titleId} onKeyDown={onKeyDown} data-object-id={object.id}>
      <div className="similar-head">
        <h2 id={titleId} ref={heading} tabIndex={-1} className="section-title">
          Similar objects
        </h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close similar objects" title="Close (Esc)">
          <CloseIcon />
        </button>
      </div>

      <section className="similar-object" aria-label="The clicked object">
        <img src={resolveUrl(object.cropUrl)} alt={`Crop of the ${shown.label}`} />
        <div className="similar-object-text">
          <p className="similar-object-name">
            <strong>{shown.text}</strong>
            <span className="muted small" title="The detector's label and confidence">
              {" "}
              · {shown.label === object.label ? "detector" : `detected ${object.label}`} {formatScore(object.score)}
            </span>
          </p>
          <p className="muted small">
            at {formatTime(object.timeSec)}
            {videoTitle ? ` in ${videoTitle}` : ""}
          </p>
          {own.length + probable.length > 0 ? (
            <ul className="chips" aria-label="Labels of this object">
              {own.map((l) => (
                <LabelChip key={l.label} label={l} busy={busy} onRemove={() => void store.removeLabel(object.id, l.label)} />
              ))}
              {probable.map((l) => (
                <LabelChip key={`${l.label}?`} label={l} busy={busy} onConfirm={() => void store.applyTo(l.label, { positives: [object.id], negatives: [] })} />
              ))}
            </ul>
          ) : (
            <p className="muted small">No labels yet.</p>
          )}
        </div>
      </section>

      <div className="similar-controls">
        <label className="slider">
          <span className="slider-head">
            <span>Minimum score</span>
            <output>{formatScore(state.settings.minScore)}</output>
          </span>
          <input
            type="range"
            min={0}
            max={1}
            step={0.01}
            value={state.settings.minScore}
            aria-label="Minimum score"
            aria-valuetext={formatScore(state.settings.minScore)}
            onChange={(event) => store.setMinScore(Number(event.target.value))}
          />
        </label>
        <div className="similar-options">
          <div className="segmented" role="radiogroup" aria-label="Search mode">
            {(
              [
                ["focused", "Focused", "Objects that look like this one"],
                ["expanded", "Expanded", "Also objects like its best matches, and others with the same label"],
              ] as const
            ).map(([mode, text, about]) => (
              <label key={mode} title={about} className={state.settings.mode === mode ? "on" : ""}>
                <input type="radio" name={`${titleId}-mode`} value={mode} checked={state.settings.mode === mode} onChange={() => void store.setMode(mode)} />
                {text}
              </label>
            ))}
          </div>
          <label className="check">
            <input type="checkbox" checked={state.settings.videoOnly} onChange={(event) => void store.setVideoOnly(event.target.checked)} />
            This video only
          </label>
        </div>
      </div>

      <div className="similar-bar">
        <p className="muted small" role="status" aria-live="polite">
          {summary(state)}
        </p>
        {state.hits.length > 0 ? (
          <div className="similar-select" role="group" aria-label="Select all results">
            <span className="muted small">All:</span>
            <button type="button" className="button small" onClick={() => store.selectAll("positive")} aria-label="Select all as positive" title="Every result is it">
              <CheckIcon width={14} height={14} />
            </button>
            <button type="button" className="button small" onClick={() => store.selectAll("negative")} aria-label="Select all as negative" title="No result is it">
              <CloseIcon width={14} height={14} />
            </button>
            {state.bins.size ? (
              <button type="button" className="link-button small" onClick={() => store.clearSelection()}>
                Clear
              </button>
            ) : null}
          </div>
        ) : null}
      </div>

      {state.status === "error" ? (
        <div className="notice error similar-error" role="alert">
          <p>{state.error}</p>
          <button type="button" className="button small" onClick={() => void store.refresh()}>
            <RetryIcon width={14} height={14} /> Try again
          </button>
        </div>
      ) : state.hits.length === 0 && state.status === "loading" ? (
        <ol className="similar-grid" aria-busy="true" aria-label="Searching" data-state="loading">
          {Array.from({ length: SKELETONS }, (_, i) => (
            <li key={i} className="similar-tile skeleton" aria-hidden="true">
              <span className="similar-crop" />
            </li>
          ))}
        </ol>
      ) : state.hits.length === 0 ? (
        <p className="similar-empty muted small" data-state="empty">
          {state.status === "done" ? "Lower the minimum score, try Expanded, or look in all videos." : ""}
        </p>
      ) : (
        <ol className="similar-grid" aria-label="Similar objects, best first" aria-busy={state.status === "loading" || undefined} data-state={state.status}>
          {state.hits.map((hit) => {
            const bin = state.bins.get(hit.objectId);
            const labels = state.labels.get(hit.objectId) ?? [];
            const name = shownLabel({ label: hit.label, labels }).text;
            const what = `${name} in ${hit.videoTitle} at ${formatTime(hit.timeSec)}, score ${formatScore(hit.score)}`;
            const pick = (which: Bin) => () => store.toggle(hit.objectId, which);
            return (
              <li key={hit.objectId} className={`similar-tile${bin ? ` ${bin}` : ""}`} data-object-id={hit.objectId} data-bin={bin ?? ""}>
                <a href={hrefOf(hit)} className="similar-open" onClick={open(hit)} aria-label={`Play ${what}`} data-time={hit.timeSec} data-score={hit.score}>
                  <span className="similar-crop">
                    <img src={resolveUrl(hit.thumbnailUrl)} alt="" loading="lazy" decoding="async" />
                    <span className="similar-name">{name}</span>
                  </span>
                  <span className="similar-meta">
                    <span>{formatTime(hit.timeSec)}</span>
                    <span className="similar-score" title="Similarity to the clicked object">
                      {formatScore(hit.score)}
                    </span>
                  </span>
                  <span className="similar-video" title={hit.videoTitle}>
                    {hit.videoTitle}
                  </span>
                  {labels.length ? (
                    <span className="similar-labels">
                      {labels.map((l) => (
                        <span key={l.label} className={`mini-chip ${l.polarity}`}>
                          {l.polarity === "negative" ? `not ${l.label}` : l.label}
                        </span>
                      ))}
                    </span>
                  ) : null}
                </a>
                <span className="bin-buttons">
                  <button type="button" className="bin positive" aria-pressed={bin === "positive"} onClick={pick("positive")} aria-label={`Positive: ${what}`} title="It is: label it">
                    <CheckIcon width={16} height={16} />
                  </button>
                  <button type="button" className="bin negative" aria-pressed={bin === "negative"} onClick={pick("negative")} aria-label={`Negative: ${what}`} title="It is not: label it as not">
                    <CloseIcon width={16} height={16} />
                  </button>
                </span>
              </li>
            );
          })}
        </ol>
      )}

      <form className="label-form" onSubmit={onSubmit} aria-label="Label the selection">
        <p className="label-sets small">
          <span className="set positive">
            <CheckIcon width={14} height={14} /> {positives} positive
          </span>
          <span className="set negative">
            <CloseIcon width={14} height={14} /> {negatives} negative
          </span>
          <label className="check">
            <input type="checkbox" checked={self} onChange={(event) => setSelf(event.target.checked)} />
            this object too
          </label>
        </p>
        <div className="label-row">
          <TagIcon className="label-icon" width={18} height={18} />
          <input
            type="text"
            className="label-input"
            value={label}
            onChange={(event) => setLabel(event.target.value)}
            placeholder={`Label, e.g. ${suggestions.find((s) => s !== object.label) ?? "guest"}`}
            aria-label="Label"
            list={listId}
            maxLength={100}
            autoComplete="off"
            enterKeyHint="done"
          />
          <datalist id={listId}>
            {suggestions.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
          <button type="submit" className="button primary" disabled={!typed || targets === 0 || busy}>
            {busy ? "Labelling…" : "Apply"}
          </button>
        </div>
        {negatives > 0 && typed && !self && !named(typed) ? (
          <p className="muted small">Results marked negative stay listed unless this object has the label too.</p>
        ) : null}
        {state.outcome ? (
          <p className={`outcome small ${state.outcome.ok ? "ok" : "error-text"}`} role="status" data-testid="label-outcome">
            {state.outcome.text}
          </p>
        ) : null}
      </form>
    </aside>
  );
}
