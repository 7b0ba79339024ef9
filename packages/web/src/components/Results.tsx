import { useId, useState, type KeyboardEvent, type ReactNode } from "react";
import { hitKey, type SearchHit } from "../api/types";
import { plural } from "../lib/format";
import { groupByRelevance, STRONG_SHARE } from "../search/relevance";
import type { SearchState } from "../search/store";
import { HitCard } from "./HitCard";
import { ChevronIcon, ImageIcon, RetryIcon, SearchIcon } from "./Icons";

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

/**
 * Moves focus between result cards with the arrow keys, across both groups (up/down by a row of
 * the focused card's grid).
 */
function onGridKey(event: KeyboardEvent<HTMLElement>) {
  const keys = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"];
  if (!keys.includes(event.key)) return;
  const cards = Array.from(event.currentTarget.querySelectorAll<HTMLAnchorElement>("a.hit"));
  const index = cards.indexOf(document.activeElement as HTMLAnchorElement);
  if (index < 0) return;
  const top = (card: HTMLElement) => card.getBoundingClientRect().top;
  const grid = cards.filter((card) => card.closest("ol") === cards[index]!.closest("ol"));
  const columns = Math.max(1, grid.filter((card) => Math.abs(top(card) - top(grid[0]!)) < 2).length);
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

/** The search's results: grids of strong and weaker moments, best first, with loading, empty and error states. */
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
      <Groups hits={state.hits} resolveUrl={resolveUrl} hrefOf={hrefOf} onOpen={onOpen} />
    </>
  );
}

/** Answers whose weaker matches were revealed: kept across the player's visits, new answers start folded. */
const revealed = new WeakSet<readonly SearchHit[]>();

/** The strong matches, then the weaker ones behind a button (see ../search/relevance). */
function Groups({ hits, resolveUrl, hrefOf, onOpen }: { hits: SearchHit[] } & Pick<ResultsProps, "resolveUrl" | "hrefOf" | "onOpen">) {
  const { strong, weaker } = groupByRelevance(hits);
  const [, rerender] = useState(0);
  const open = revealed.has(hits);
  const toggle = () => {
    if (open) revealed.delete(hits);
    else revealed.add(hits);
    rerender((n) => n + 1);
  };
  const listId = useId();
  const card = (hit: SearchHit, rank: number) => (
    <li key={hitKey(hit)}>
      <HitCard hit={hit} rank={rank} resolveUrl={resolveUrl} hrefOf={hrefOf} onOpen={onOpen} />
    </li>
  );
  return (
    <div className="result-groups" onKeyDown={onGridKey}>
      <ol className="results" data-state="done" aria-label={weaker.length > 0 ? "Strong matches, best first" : "Results, best match first"}>
        {strong.map((hit, i) => card(hit, i + 1))}
      </ol>
      {weaker.length > 0 ? (
        <div className="weaker-group">
          <p className="weaker-head">
            <button type="button" className="button small" aria-expanded={open} aria-controls={open ? listId : undefined} onClick={toggle}>
              <ChevronIcon width={16} height={16} className="chevron" />
              {open ? "Hide" : "Show"} {plural(weaker.length, "weaker match", "weaker matches")}
            </button>
            <span className="muted small">scoring below {Math.round(STRONG_SHARE * 100)} % of the best</span>
          </p>
          {open ? (
            <ol id={listId} className="results weaker" aria-label="Weaker matches, best first">
              {weaker.map((hit, i) => card(hit, strong.length + i + 1))}
            </ol>
          ) : null}
        </div>
      ) : null}
    </div>
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
    case "done": {
      if (state.hits.length === 0) return `No moments for ${describe(state)}.`;
      const { strong, weaker } = groupByRelevance(state.hits);
      if (weaker.length === 0) return `${plural(strong.length, "moment")} for ${describe(state)}, best first.`;
      return `${plural(strong.length, "strong match", "strong matches")} for ${describe(state)}, best first; ${plural(weaker.length, "weaker one")} below.`;
    }
  }
}
