import type { KeyboardEvent, MouseEvent, ReactNode } from "react";
import { hitKey, type SearchHit } from "../api/types";
import { formatRange, formatScore, formatTime } from "../lib/format";
import type { SearchState } from "../search/store";
import { ImageIcon, RetryIcon, SearchIcon } from "./Icons";

export interface ResultsProps {
  state: SearchState;
  resolveUrl(url: string): string;
  hrefOf(hit: SearchHit): string;
  onOpen(hit: SearchHit): void;
  onRetry(): void;
  /** Shown in the empty state when filters may be hiding results. */
  filtered?: boolean;
  /** What a person can do about videos another model indexed (re-index the library). */
  mismatchAction?: ReactNode;
}

const SKELETONS = 8;

/** Moves focus between result cards with the arrow keys (up/down by a row of the grid). */
function onGridKey(event: KeyboardEvent<HTMLOListElement>) {
  const keys = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"];
  if (!keys.includes(event.key)) return;
  const cards = Array.from(event.currentTarget.querySelectorAll<HTMLAnchorElement>("a.hit"));
  const index = cards.indexOf(document.activeElement as HTMLAnchorElement);
  if (index < 0) return;
  const top = (card: HTMLElement) => card.getBoundingClientRect().top;
  const columns = Math.max(1, cards.filter((card) => Math.abs(top(card) - top(cards[0]!)) < 2).length);
  const moves: Record<string, number> = {
    ArrowLeft: index - 1,
    ArrowRight: index + 1,
    ArrowUp: index - columns,
    ArrowDown: index + columns,
    Home: 0,
    End: cards.length - 1,
  };
  const target = cards[Math.max(0, Math.min(cards.length - 1, moves[event.key]!))];
  if (target && target !== cards[index]) {
    event.preventDefault();
    target.focus();
  }
}

function describe(state: Exclude<SearchState, { status: "idle" }>): string {
  return state.query.kind === "text" ? `“${state.query.text}”` : "the picture";
}

/** The search's results: a grid of moments, best first, with loading, empty and error states. */
export function Results({ state, resolveUrl, hrefOf, onOpen, onRetry, filtered, mismatchAction }: ResultsProps) {
  if (state.status === "idle") {
    return (
      <div className="results-state idle" data-state="idle">
        <SearchIcon width={32} height={32} />
        <p>Describe a moment in words, or drop or paste a picture to find scenes that look like it.</p>
        <p className="muted small">
          Press <kbd>/</kbd> to jump to the search box; use the arrow keys to move through results.
        </p>
      </div>
    );
  }
  if (state.status === "error") {
    return (
      <div className="results-state error" data-state="error" role="alert">
        <p className="error-text">
          <strong>The search failed.</strong> {state.error}
        </p>
        <button type="button" className="button" onClick={onRetry}>
          <RetryIcon width={16} height={16} /> Try again
        </button>
      </div>
    );
  }
  if (state.status === "loading") {
    return (
      <ol className="results" data-state="loading" aria-busy="true" aria-label="Searching">
        {Array.from({ length: SKELETONS }, (_, i) => (
          <li key={i} className="hit skeleton" aria-hidden="true">
            <span className="hit-thumb" />
            <span className="hit-body">
              <span className="line" />
              <span className="line short" />
            </span>
          </li>
        ))}
      </ol>
    );
  }
  // Videos another model indexed are out of reach of this search: say so rather than look empty.
  const mismatch = state.mismatch ? (
    <div className="notice info model-mismatch" data-videos={state.mismatch.videos}>
      <p role="status">{state.mismatch.message}</p>
      {mismatchAction}
    </div>
  ) : null;
  if (state.hits.length === 0) {
    return (
      <>
        {mismatch}
        <div className="results-state empty" data-state="empty">
          {state.query.kind === "image" ? <ImageIcon width={32} height={32} /> : <SearchIcon width={32} height={32} />}
          <p>No moments match {describe(state)}.</p>
          <p className="muted small">
            {filtered ? "Try other filters, a lower minimum score, or other words." : "Try other words."} Only videos that finished processing can be searched.
          </p>
        </div>
      </>
    );
  }
  return (
    <>
      {mismatch}
      <ol className="results" data-state="done" aria-label="Results, best match first" onKeyDown={onGridKey}>
        {state.hits.map((hit, rank) => {
          const range = formatRange(hit.start, hit.end);
          return (
            <li key={hitKey(hit)}>
              <a
                className={`hit ${hit.kind}`}
                href={hrefOf(hit)}
                data-kind={hit.kind}
                data-video-id={hit.videoId}
                data-start={hit.start}
                data-end={hit.end}
                data-score={hit.score}
                onClick={(event: MouseEvent) => {
                  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
                  event.preventDefault();
                  onOpen(hit);
                }}
              >
                <span className="hit-thumb">
                  <img src={resolveUrl(hit.thumbnailUrl)} alt="" loading="lazy" decoding="async" />
                  <span className="hit-rank">#{rank + 1}</span>
                  {hit.kind === "object" ? (
                    <span className={`hit-label${hit.labelMatch ? " named" : ""}`} title={`Detected ${hit.label} (${Math.round(hit.detectorScore * 100)} % sure)`}>
                      {hit.label}
                    </span>
                  ) : null}
                  <span className="hit-time">{range}</span>
                </span>
                <span className="hit-body">
                  <span className="hit-title" title={hit.videoTitle}>
                    {hit.videoTitle}
                  </span>
                  <span className="hit-meta">
                    <span className="hit-at">best at {formatTime(hit.timeSec)}</span>
                    <span className="hit-score" title="Cosine similarity to the query">
                      <span className="score-bar" aria-hidden="true">
                        <span style={{ width: `${Math.max(0, Math.min(1, hit.score)) * 100}%` }} />
                      </span>
                      <span className="visually-hidden">score </span>
                      {formatScore(hit.score)}
                    </span>
                  </span>
                </span>
              </a>
            </li>
          );
        })}
      </ol>
    </>
  );
}

export function resultsSummary(state: SearchState): string {
  switch (state.status) {
    case "idle":
      return "";
    case "loading":
      return `Searching for ${describe(state)}…`;
    case "error":
      return "The search failed.";
    case "done":
      return state.hits.length === 0
        ? `No moments for ${describe(state)}.`
        : `${state.hits.length} ${state.hits.length === 1 ? "moment" : "moments"} for ${describe(state)}, best first.`;
  }
}
