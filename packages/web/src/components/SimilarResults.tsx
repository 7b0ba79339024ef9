import { useId, type MouseEvent } from "react";
import type { ObjectHit } from "../api/types";
import { formatRange, formatScore, formatTime, plural } from "../lib/format";
import { shownLabel } from "../objects/boxes";
import { belowMore, belowSummary, thresholdFor } from "../objects/similar-below";
import type { Bin, SimilarState, SimilarStore } from "../objects/similar-store";
import { CheckIcon, CloseIcon, RetryIcon } from "./Icons";

const SKELETONS = 6;

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
      if (state.below.hits.length) return belowSummary(state.hits.length, state.below, state.settings.minScore, formatScore);
      return state.hits.length === 0 ? `Nothing ${at}.` : `${plural(state.hits.length, "similar object")} ${at}, best first.`;
  }
}

export interface SimilarResultsProps {
  state: SimilarState;
  store: SimilarStore;
  resolveUrl(url: string): string;
  hrefOf(hit: ObjectHit): string;
  onOpen(hit: ObjectHit): void;
}

/** What the search found, best first, each put in the positive or the negative set; or why there is nothing. */
export function SimilarResults({ state, store, resolveUrl, hrefOf, onOpen }: SimilarResultsProps) {
  const belowId = useId();
  // A plain click plays the result here; modified clicks keep the link's own behaviour.
  const open = (hit: ObjectHit) => (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    onOpen(hit);
  };

  const tile = (hit: ObjectHit, below = false) => {
    const bin = state.bins.get(hit.objectId);
    const labels = state.labels.get(hit.objectId) ?? [];
    const name = shownLabel({ label: hit.label, labels }).text;
    // A hit is a track: when it is in view (its best moment is where Play goes).
    const range = formatRange(hit.start, hit.end);
    const what = `${name} in ${hit.videoTitle} at ${range}, score ${formatScore(hit.score)}`;
    const pick = (which: Bin) => () => store.toggle(hit.objectId, which);
    return (
      <li key={hit.objectId} className={`similar-tile${below ? " below" : ""}${bin ? ` ${bin}` : ""}`} data-object-id={hit.objectId} data-bin={bin ?? ""}>
        {/* Named by its visible text (with a few hidden words), so speech and sight agree. */}
        <a href={hrefOf(hit)} className="similar-open" onClick={open(hit)} data-time={hit.timeSec} data-score={hit.score}>
          <span className="visually-hidden">Play </span>
          <span className="similar-crop">
            <img src={resolveUrl(hit.thumbnailUrl)} alt="" loading="lazy" decoding="async" />
            <span className="similar-name">{name}</span>
          </span>
          <span className="similar-meta">
            <span title={`In view ${range}, best at ${formatTime(hit.timeSec)}`}>
              <span className="visually-hidden"> at </span>
              {range}
            </span>
            <span className="similar-score" title="Similarity to the clicked object">
              <span className="visually-hidden">, score </span>
              {formatScore(hit.score)}
            </span>
          </span>
          <span className="similar-video" title={hit.videoTitle}>
            <span className="visually-hidden">, in </span>
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
  };
  // The button goes once the results come back: focus goes to the slider, which shows the change.
  const lower = (minScore: number) => (event: MouseEvent<HTMLButtonElement>) => {
    event.currentTarget.closest(".similar-panel")?.querySelector<HTMLInputElement>('input[type="range"]')?.focus();
    store.setMinScore(minScore);
  };
  const shown = state.hits.length + state.below.hits.length;
  const last = state.below.hits.at(-1);
  const more = belowMore(state.below, formatScore);

  return (
    <>
      <div className="similar-bar">
        <p className="muted small" role="status" aria-live="polite">
          {summary(state)}
        </p>
        {shown > 0 ? (
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
      ) : shown === 0 && state.status === "loading" ? (
        <ol className="similar-grid" aria-busy="true" aria-label="Searching" data-state="loading">
          {Array.from({ length: SKELETONS }, (_, i) => (
            <li key={i} className="similar-tile skeleton" aria-hidden="true">
              <span className="similar-crop" />
            </li>
          ))}
        </ol>
      ) : shown === 0 ? (
        <p className="similar-empty muted small" data-state="empty">
          {state.status === "done" ? "Lower the minimum score, try Expanded, or look in all videos." : ""}
        </p>
      ) : (
        <>
          {state.hits.length ? (
            <ol className="similar-grid" aria-label="Similar objects, best first" aria-busy={state.status === "loading" || undefined} data-state={state.status}>
              {state.hits.map((hit) => tile(hit))}
            </ol>
          ) : null}
          {last ? (
            <section className="similar-below" aria-labelledby={belowId} aria-busy={state.status === "loading" || undefined}>
              <h3 id={belowId} className="similar-below-title small">
                Below the minimum score of {formatScore(state.settings.minScore)}
              </h3>
              <ol className="similar-grid" data-state={state.status}>
                {state.below.hits.map((hit) => tile(hit, true))}
              </ol>
              <p className="similar-below-more muted small">
                {more ? `${more} ` : ""}
                <button type="button" className="link-button small" onClick={lower(thresholdFor(last.score))}>
                  Lower the minimum score to {formatScore(thresholdFor(last.score))}
                </button>
              </p>
            </section>
          ) : null}
        </>
      )}
    </>
  );
}
