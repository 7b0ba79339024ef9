import { useMemo, type CSSProperties, type PointerEvent } from "react";
import { hitKey, type SearchHit } from "../api/types";
import { formatRange, formatScore, formatTime } from "../lib/format";
import { assignLanes } from "../lib/lanes";
import type { TrackSpan } from "../objects/boxes";

export interface TimelineProps {
  duration: number;
  current: number;
  /** Hits of the current search in this video, best first. */
  hits: readonly SearchHit[];
  /** The selected object's track, lit from its first to its last frame. */
  track?: TrackSpan | undefined;
  onSeek(seconds: number): void;
}

const pct = (value: number, duration: number) => `${Math.max(0, Math.min(100, (value / duration) * 100))}%`;

/** A marker is drawn at least 6 px wide: about this share of a phone-wide track, so lanes keep short markers apart too. */
const MIN_MARKER_SHARE = 0.02;
const LANE_GAP_SHARE = 0.005;

/** Custom properties for the stylesheet (--lanes on the track, --lane on a marker). */
const cssVars = (vars: Record<`--${string}`, number>) => vars as CSSProperties;

/** The video's length with a marker for every moment the search found; click to seek. */
export function Timeline({ duration, current, hits, track, onSeek }: TimelineProps) {
  const known = duration > 0 && Number.isFinite(duration);
  // Overlapping markers stack on lanes; the buttons follow time, so Tab moves along the timeline.
  const lanes = useMemo(
    () => assignLanes(hits, known ? { minLength: duration * MIN_MARKER_SHARE, gap: duration * LANE_GAP_SHARE } : {}),
    [hits, duration, known],
  );
  const seekTo = (event: PointerEvent<HTMLDivElement>) => {
    if (!known || event.button !== 0) return;
    const rect = event.currentTarget.getBoundingClientRect();
    onSeek(Math.max(0, Math.min(duration, ((event.clientX - rect.left) / rect.width) * duration)));
  };
  return (
    <div className="timeline">
      <div className="timeline-track" style={cssVars({ "--lanes": lanes.count })} onPointerDown={seekTo} aria-hidden={hits.length === 0 || undefined}>
        {known ? <div className="timeline-progress" style={{ width: pct(current, duration) }} /> : null}
        {known && track ? (
          <div
            className="timeline-span"
            data-track={track.trackId}
            style={{ left: pct(track.start, duration), width: `max(4px, ${pct(track.end - track.start, duration)})` }}
            title={`${track.label}: ${formatRange(track.start, track.end)}`}
          />
        ) : null}
        {known
          ? lanes.order.map((rank) => {
              const hit = hits[rank]!;
              const active = current >= hit.start && current <= hit.end;
              return (
                <button
                  key={hitKey(hit)}
                  type="button"
                  className={`marker ${hit.kind}${active ? " active" : ""}`}
                  data-lane={lanes.lane[rank]}
                  style={{
                    ...cssVars({ "--lane": lanes.lane[rank]! }),
                    left: pct(hit.start, duration),
                    width: `max(6px, ${pct(hit.end - hit.start, duration)})`,
                    opacity: 0.55 + 0.45 * Math.max(0, Math.min(1, hit.score)),
                  }}
                  onPointerDown={(event) => event.stopPropagation()}
                  onClick={() => onSeek(hit.timeSec)}
                  aria-label={`${hit.kind === "object" ? `Object ${rank + 1} (${hit.label})` : `Moment ${rank + 1}`}: ${formatRange(hit.start, hit.end)}, score ${formatScore(hit.score)}`}
                  title={`#${rank + 1}${hit.kind === "object" ? ` ${hit.label}` : ""} · ${formatRange(hit.start, hit.end)} · ${formatScore(hit.score)}`}
                />
              );
            })
          : null}
        {known ? <div className="playhead" style={{ left: pct(current, duration) }} /> : null}
      </div>
      <div className="timeline-labels muted small">
        <span>{formatTime(current)}</span>
        <span>
          {track
            ? `${track.label} in view ${formatRange(track.start, track.end)}`
            : hits.length
              ? `${hits.length} ${hits.length === 1 ? "moment" : "moments"} marked`
              : "No search moments in this video"}
        </span>
        <span>{known ? formatTime(duration) : "–:––"}</span>
      </div>
    </div>
  );
}
