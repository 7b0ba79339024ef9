import type { MouseEvent } from "react";
import type { SearchHit } from "../api/types";
import { formatRange, formatScore, formatTime } from "../lib/format";

export interface HitCardProps {
  hit: SearchHit;
  /** 1 for the best. */
  rank: number;
  resolveUrl(url: string): string;
  hrefOf(hit: SearchHit): string;
  onOpen(hit: SearchHit): void;
}

/** One result: thumbnail, rank, time range, video title and score; a link that opens the player. */
export function HitCard({ hit, rank, resolveUrl, hrefOf, onOpen }: HitCardProps) {
  // Label matches are listed ahead of better-scoring hits: the card says why.
  const named = hit.kind === "object" && hit.labelMatch;
  return (
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
        <span className="hit-rank">#{rank}</span>
        {hit.kind === "object" ? (
          <span className={`hit-label${named ? " named" : ""}`} title={`Detected ${hit.label} (${Math.round(hit.detectorScore * 100)} % sure)`}>
            {hit.label}
          </span>
        ) : null}
        <span className="hit-time">{formatRange(hit.start, hit.end)}</span>
      </span>
      <span className="hit-body">
        <span className="hit-title" title={hit.videoTitle}>
          {hit.videoTitle}
        </span>
        {named ? <span className="hit-why">Matches the label “{hit.label}”</span> : null}
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
  );
}
