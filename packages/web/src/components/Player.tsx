import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { ApiError, messageOf, type ApiClient } from "../api/client";
import { hitKey, type ObjectHit, type SearchHit, type VideoView } from "../api/types";
import { formatBytes, formatDuration, formatRange, formatScore, formatTime, plural } from "../lib/format";
import { objectBoxesAt, objectOfHit, searchBoxesAt, trackObjectAt, trackSpan, trackSuccessors } from "../objects/boxes";
import { createSimilarStore } from "../objects/similar-store";
import { useVideoObjects } from "../objects/use-objects";
import { BoxOverlay, type OverlayBox } from "./BoxOverlay";
import { BackIcon, BoxesIcon } from "./Icons";
import { SimilarPanel } from "./SimilarPanel";
import { Timeline } from "./Timeline";
import { partlyIndexed, playable } from "./VideoList";

export interface PlayerProps {
  api: Pick<ApiClient, "getVideo" | "resolve" | "listObjects" | "similarObjects" | "setLabel" | "removeLabel">;
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
  /** A link to a similar object's moment (`?v=&t=`), and opening it in the player. */
  hrefOf(hit: SearchHit): string;
  onOpen(hit: SearchHit): void;
  /**
   * Boxes to draw at a time, instead of the default: every object the detector found on the
   * frame on screen, with the current search's objects highlighted.
   */
  boxesAt?(seconds: number): readonly OverlayBox[];
}

/** Pixels at the bottom of the player left to the video's own controls (boxes do not take clicks there). */
const CONTROLS_HEIGHT = 64;

/** Plays a video from a moment, with the search's moments on a timeline and in a list. */
export function Player({ api, videoId, t, videos, hits, searchLabel, onSeek, onBack, backLabel, hrefOf, onOpen, boxesAt }: PlayerProps) {
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

  // Every detected object of the frame on screen; the search's objects stand out.
  const objects = useVideoObjects(api, videoId, video?.status === "ready");
  const [showBoxes, setShowBoxes] = useState(true);
  const successors = useMemo(() => trackSuccessors(objects.objects), [objects.objects]);
  // An object hit is a track: every box of the track stands out, not only its best detection's.
  const matches = useMemo(() => {
    const tracks = new Set(mine.flatMap((hit) => (hit.kind === "object" ? [hit.trackId] : [])));
    return new Set([...mine.flatMap((hit) => (hit.kind === "object" ? [hit.objectId] : [])), ...objects.objects.filter((o) => tracks.has(o.trackId)).map((o) => o.id)]);
  }, [mine, objects.objects]);
  const boxes = useMemo(() => {
    if (!showBoxes) return [];
    if (boxesAt) return boxesAt(current);
    const drawn = objectBoxesAt(objects.objects, current, matches, successors);
    const known = new Set(drawn.map((box) => box.id));
    const searched = searchBoxesAt(mine, current).filter((box) => !known.has(box.id));
    return [...drawn, ...searched.map((box) => ({ ...box, tone: "match" as const }))];
  }, [showBoxes, boxesAt, objects.objects, matches, successors, mine, current]);

  // Click a box: the similar-objects panel.
  const similar = useMemo(() => createSimilarStore(api), [api]);
  const panel = useSyncExternalStore(similar.subscribe, similar.getSnapshot);
  const stage = useRef<HTMLDivElement>(null);
  const { refresh: refreshObjects } = objects;
  useEffect(() => () => similar.close(), [similar]);
  // Labels changed in the panel: fetch the boxes' labels again ...
  useEffect(() => {
    if (panel.revision > 0) refreshObjects();
  }, [panel.revision, refreshObjects]);
  // ... and give the panel the clicked object's new labels (probable ones come from here).
  useEffect(() => {
    const open = similar.getSnapshot().object;
    const fresh = open ? objects.objects.find((object) => object.id === open.id) : undefined;
    if (fresh) similar.update(fresh);
  }, [objects.objects, similar]);
  const selectBox = (box: OverlayBox) => {
    const object = objects.objects.find((candidate) => candidate.id === box.id);
    const hit = mine.find((candidate): candidate is ObjectHit => candidate.kind === "object" && candidate.objectId === box.id);
    if (object ?? hit) void similar.open(object ?? objectOfHit(hit!));
  };
  const closePanel = useCallback(() => {
    const id = similar.getSnapshot().object?.id;
    similar.close();
    // Back to the box it came from, else the player.
    const box = id ? Array.from(stage.current?.querySelectorAll<HTMLElement>("[data-id]") ?? []).find((element) => element.dataset.id === id) : undefined;
    (box ?? stage.current?.querySelector<HTMLElement>("video"))?.focus();
  }, [similar]);
  const panelVideo = panel.object ? (panel.object.videoId === video?.id ? video : videos.find((candidate) => candidate.id === panel.object!.videoId)) : undefined;
  // The selected object's track: lit on the timeline, and its box marked in whichever frame is on screen.
  const selectedTrack = panel.object?.videoId === videoId ? panel.object.trackId : undefined;
  const span = useMemo(() => (selectedTrack ? trackSpan(objects.objects, selectedTrack) : undefined), [objects.objects, selectedTrack]);
  const selectedId = selectedTrack ? (trackObjectAt(objects.objects, selectedTrack, current)?.id ?? panel.object?.id) : panel.object?.id;
  const labelsHere = useMemo(() => [...new Set(objects.objects.flatMap((object) => object.labels.map((label) => label.label)))], [objects.objects]);

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
        {objects.objects.length ? (
          <div className="player-tools">
            <span className="muted small player-hint">
              {plural(objects.objects.length, "object")}
              {showBoxes ? " · click a box for similar ones" : ""}
            </span>
            <button type="button" className="button small" aria-pressed={showBoxes} onClick={() => setShowBoxes((on) => !on)} title="Show or hide the detected objects' boxes">
              <BoxesIcon width={16} height={16} /> Boxes
            </button>
          </div>
        ) : null}
      </div>
      {loadError ? (
        <p className="notice error" role="alert">
          {loadError}
        </p>
      ) : null}
      <div className={`player-layout${panel.object ? " with-panel" : ""}`}>
        <div className="player-main">
          <div className="player-stage" ref={stage}>
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
            <BoxOverlay video={element} boxes={boxes} onSelect={selectBox} {...(selectedId ? { selectedId } : {})} reserveBottom={src ? CONTROLS_HEIGHT : 0} />
          </div>
          {objects.error ? (
            <p className="notice error" role="alert">
              The objects of this video could not be loaded: {objects.error}
            </p>
          ) : null}
          {mediaError ? (
            <p className="notice error" role="alert">
              {mediaError}
            </p>
          ) : null}
          <Timeline duration={duration || video?.durationSec || 0} current={current} hits={mine} track={span} onSeek={seek} />
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
                  partlyIndexed(video),
                ]
                  .filter(Boolean)
                  .join(" · ")}
              </p>
            </section>
          ) : null}
        </div>
        {panel.object ? (
          <SimilarPanel
            store={similar}
            resolveUrl={api.resolve}
            hrefOf={hrefOf}
            onOpen={onOpen}
            onClose={closePanel}
            suggestions={labelsHere}
            {...(panelVideo ? { videoTitle: panelVideo.title } : {})}
          />
        ) : (
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
        )}
      </div>
    </div>
  );
}
