import { useEffect, useMemo, useState } from "react";
import { ApiError, messageOf, type ApiClient } from "../api/client";
import { hitKey, type ObjectHit, type SearchHit, type VideoView } from "../api/types";
import { formatBytes, formatDuration, formatRange, formatScore, formatTime, plural } from "../lib/format";
import { BoxOverlay, type OverlayBox } from "./BoxOverlay";
import { BackIcon } from "./Icons";
import { Timeline } from "./Timeline";
import { playable } from "./VideoList";

export interface PlayerProps {
  api: Pick<ApiClient, "getVideo" | "resolve">;
  videoId: string;
  /** Where to start, seconds (from `t` in the address bar). */
  t?: number;
  /** Known videos (the player asks the API for one that is not among them). */
  videos: VideoView[];
  /** Hits of the current search, all videos, best first. */
  hits: readonly SearchHit[];
  /** What the current search was, for the moments list's heading. */
  searchLabel?: string;
  /** Keeps `t` in the address bar in step with the player. */
  onSeek(seconds: number): void;
  onBack(): void;
  backLabel: string;
  /**
   * Boxes to draw at a time. By default: the objects of the current search shown while their
   * frame is on screen; a caller can give every detected object of the frame instead.
   */
  boxesAt?(seconds: number): readonly OverlayBox[];
}

/** The current search's objects in this video whose frame covers `seconds`. */
export function searchBoxesAt(hits: readonly SearchHit[], seconds: number): OverlayBox[] {
  return hits
    .filter((hit): hit is ObjectHit => hit.kind === "object" && seconds >= hit.start && seconds < Math.max(hit.end, hit.start + 0.5))
    .map((hit) => ({ id: hit.objectId, x: hit.box.x, y: hit.box.y, width: hit.box.w, height: hit.box.h, label: hit.label, score: hit.detectorScore }));
}

/** Plays a video from a moment, with the search's moments on a timeline and in a list. */
export function Player({ api, videoId, t, videos, hits, searchLabel, onSeek, onBack, backLabel, boxesAt }: PlayerProps) {
  const listed = videos.find((video) => video.id === videoId);
  const [fetched, setFetched] = useState<VideoView>();
  const [loadError, setLoadError] = useState<string>();
  const video = listed ?? (fetched?.id === videoId ? fetched : undefined);

  useEffect(() => {
    if (listed) return;
    const controller = new AbortController();
    setLoadError(undefined);
    api.getVideo(videoId, controller.signal).then(setFetched, (error: unknown) => {
      if (controller.signal.aborted) return;
      setLoadError(error instanceof ApiError && error.status === 404 ? "This video does not exist (any more): it may have been deleted." : messageOf(error));
    });
    return () => controller.abort();
  }, [api, videoId, listed]);

  const [element, setElement] = useState<HTMLVideoElement | null>(null);
  const [metadata, setMetadata] = useState(false);
  const [current, setCurrent] = useState(t ?? 0);
  const [duration, setDuration] = useState(0);
  const [mediaError, setMediaError] = useState<string>();

  useEffect(() => {
    setMetadata(false);
    setMediaError(undefined);
    setCurrent(t ?? 0);
    // A new video starts over; `t` is applied once its metadata is in (below).
  }, [videoId]); // Not on `t`: seeking within a video keeps its state.

  // Seek when `t` changes (a result or marker was opened) and once the video can seek.
  useEffect(() => {
    if (!element || !metadata || t === undefined) return;
    const target = Math.min(t, Number.isFinite(element.duration) ? element.duration : t);
    if (Math.abs(element.currentTime - target) > 0.05) element.currentTime = target;
    setCurrent(target);
  }, [element, metadata, t]);

  const mine = useMemo(() => hits.filter((hit) => hit.videoId === videoId), [hits, videoId]);
  const byTime = useMemo(() => [...mine].sort((a, b) => a.start - b.start), [mine]);
  const previous = [...byTime].reverse().find((hit) => hit.start < current - 0.5);
  const next = byTime.find((hit) => hit.start > current + 0.05);
  const boxes = useMemo(() => (boxesAt ? boxesAt(current) : searchBoxesAt(mine, current)), [boxesAt, mine, current]);

  const seek = (seconds: number) => {
    if (element && metadata) element.currentTime = seconds;
    setCurrent(seconds);
    onSeek(seconds);
  };

  const src = video?.playbackUrl && playable(video) ? api.resolve(video.playbackUrl) : undefined;

  return (
    <div className="page player-page">
      <div className="player-head">
        <button type="button" className="button subtle" onClick={onBack}>
          <BackIcon width={18} height={18} /> {backLabel}
        </button>
      </div>
      {loadError ? (
        <p className="notice error" role="alert">
          {loadError}
        </p>
      ) : null}
      <div className="player-layout">
        <div className="player-main">
          <div className="player-stage">
            {src ? (
              <video
                key={videoId}
                ref={setElement}
                className="player-video"
                src={src}
                controls
                playsInline
                preload="auto"
                aria-label={video ? `Video: ${video.title}` : "Video"}
                onLoadedMetadata={(event) => {
                  setDuration(event.currentTarget.duration);
                  setMetadata(true);
                }}
                onDurationChange={(event) => setDuration(event.currentTarget.duration)}
                onTimeUpdate={(event) => setCurrent(event.currentTarget.currentTime)}
                onSeeked={(event) => {
                  setCurrent(event.currentTarget.currentTime);
                  if (event.currentTarget.paused) onSeek(event.currentTarget.currentTime);
                }}
                onPause={(event) => onSeek(event.currentTarget.currentTime)}
                onError={() => setMediaError("This browser cannot play this file. Its frames are still searchable.")}
              />
            ) : (
              <div className="player-empty">
                {video ? (video.status === "uploading" ? "The file has not finished uploading." : video.status === "failed" ? "This video failed to process and cannot be played." : "Loading…") : loadError ? "" : "Loading…"}
              </div>
            )}
            <BoxOverlay video={element} boxes={boxes} />
          </div>
          {mediaError ? (
            <p className="notice error" role="alert">
              {mediaError}
            </p>
          ) : null}
          <Timeline duration={duration || video?.durationSec || 0} current={current} hits={mine} onSeek={seek} />
          <div className="player-nav">
            <button type="button" className="button small" disabled={!previous} onClick={() => previous && seek(previous.timeSec)} aria-label="Previous moment">
              ‹ Previous moment
            </button>
            <span className="muted small" aria-live="polite" data-testid="player-time">
              {formatTime(current, true)}
            </span>
            <button type="button" className="button small" disabled={!next} onClick={() => next && seek(next.timeSec)} aria-label="Next moment">
              Next moment ›
            </button>
          </div>
          {video ? (
            <section className="video-details" aria-label="About this video">
              <h1 className="player-title">{video.title}</h1>
              <p className="muted small">
                {[
                  video.filename !== video.title ? video.filename : "",
                  formatBytes(video.sizeBytes),
                  formatDuration(video.durationSec),
                  video.width && video.height ? `${video.width}×${video.height}` : "",
                  video.fps ? `${Math.round(video.fps * 100) / 100} fps` : "",
                  video.status === "ready" ? `${plural(video.frameCount, "frame")} indexed` : video.status,
                  video.status === "ready" && video.objectCount ? plural(video.objectCount, "object") : "",
                ]
                  .filter(Boolean)
                  .join(" · ")}
              </p>
            </section>
          ) : null}
        </div>
        <aside className="card moments" aria-labelledby="moments-title">
          <h2 id="moments-title" className="section-title">
            Moments{searchLabel ? <span className="muted"> for {searchLabel}</span> : null}
          </h2>
          {mine.length === 0 ? (
            <p className="muted small">{searchLabel ? "The search found nothing in this video." : "Search to mark moments in this video."}</p>
          ) : (
            <ol className="moment-list">
              {mine.map((hit, rank) => {
                const active = current >= hit.start && current <= hit.end;
                return (
                  <li key={hitKey(hit)}>
                    <button type="button" className={`moment${active ? " active" : ""}`} onClick={() => seek(hit.timeSec)} aria-current={active || undefined}>
                      <img src={api.resolve(hit.thumbnailUrl)} alt="" loading="lazy" />
                      <span className="moment-text">
                        <span>
                          #{rank + 1} · {formatRange(hit.start, hit.end)}
                          {hit.kind === "object" ? <span className="moment-label"> · {hit.label}</span> : null}
                        </span>
                        <span className="muted small">score {formatScore(hit.score)}</span>
                      </span>
                    </button>
                  </li>
                );
              })}
            </ol>
          )}
        </aside>
      </div>
    </div>
  );
}
