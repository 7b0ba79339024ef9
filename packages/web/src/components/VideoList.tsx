import { useRef, useState } from "react";
import { STAGES, type Stage, type VideoView } from "../api/types";
import { formatBytes, formatDuration, percent, plural } from "../lib/format";
import { outOf, timing } from "../lib/progress";
import { ConfirmDialog } from "./ConfirmDialog";
import { FilmIcon, PlayIcon, RetryIcon, SearchIcon, TrashIcon, UploadIcon } from "./Icons";

const STATUS_LABEL: Record<VideoView["status"], string> = {
  uploading: "Uploading",
  queued: "Queued",
  processing: "Processing",
  ready: "Ready",
  failed: "Failed",
  deleting: "Deleting",
};

const STAGE_LABEL: Record<Stage, string> = { probe: "Probe", sample: "Sample", embed: "Embed", index: "Index" };

/**
 * Failures that lie in the file itself (the media.* codes the server's probe and decoder give):
 * the same file would fail the same way, so the list offers to remove the video, not to upload
 * it again. Other failures that removed the upload (an empty file received) keep "Upload again".
 */
const FILE_IS_BAD = new Set(
  ["not_a_video", "no_video_stream", "corrupt", "unsupported_container", "unsupported_codec", "resolution_too_large", "too_long", "too_large"].map((code) => `media.${code}`),
);

export const uploadAgainCannotHelp = (video: VideoView) => video.status === "failed" && !video.retryable && FILE_IS_BAD.has(video.error?.code ?? "");

export const playable = (video: VideoView) => Boolean(video.playbackUrl) && (video.status === "ready" || video.status === "processing" || video.status === "queued");

export interface VideoListProps {
  videos: VideoView[];
  loaded: boolean;
  error?: string;
  /** Videos this page is uploading right now (their progress shows in the upload list). */
  uploadingHere: ReadonlySet<string>;
  onOpen(video: VideoView): void;
  onSearchIn(video: VideoView): void;
  /** Process a failed video again from its stored upload (only offered when `retryable`). */
  onRetry(video: VideoView): Promise<unknown>;
  /** Upload the file again as a new video: for failures that removed the upload but a new upload may fix. */
  onUploadAgain(video: VideoView): void;
  onResume(video: VideoView): void;
  onDelete(video: VideoView): Promise<void>;
}

function Stages({ video }: { video: VideoView }) {
  const progress = video.job?.progress;
  if (!progress) return null;
  const frames = progress.frames;
  const when = video.job ? timing(video.job) : "";
  return (
    <div className="stages" aria-label={`Processing of ${video.title}`}>
      <ol className="stage-list">
        {STAGES.map((stage) => {
          const value = progress.stages[stage] ?? 0;
          const current = progress.stage === stage;
          return (
            <li key={stage} className={`stage${current ? " current" : ""}${value >= 1 ? " complete" : ""}`}>
              <span className="stage-name">
                {STAGE_LABEL[stage]} <span className="muted">{percent(value)}</span>
              </span>
              <span className="bar thin" role="progressbar" aria-label={`${STAGE_LABEL[stage]} stage of ${video.title}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(value * 100)}>
                <span style={{ width: `${Math.round(value * 1000) / 10}%` }} />
              </span>
            </li>
          );
        })}
      </ol>
      {when ? <p className="small">{when}</p> : null}
      <p className="muted small">
        Frames: {frames.sampled.toLocaleString("en")} sampled · {outOf(frames.embedded, frames.sampled, "embedded")} · {outOf(frames.indexed, frames.sampled, "indexed")}
        {frames.objects ? ` · ${plural(frames.objects, "object")} found` : ""}
        {video.job && video.job.attempts > 1 ? ` · attempt ${video.job.attempts} of ${video.job.maxAttempts}` : ""}
      </p>
    </div>
  );
}

/** "partly indexed (7/24 segments)" while a video processed in segments is not finished: what is done is searchable. */
export function partlyIndexed(video: VideoView): string {
  const segments = video.job?.segments;
  if (!segments || segments.total < 2 || video.status === "ready" || segments.succeeded === segments.total) return "";
  return `partly indexed (${segments.succeeded}/${segments.total} segments)`;
}

function meta(video: VideoView): string {
  const partly = partlyIndexed(video);
  return [
    formatBytes(video.sizeBytes),
    formatDuration(video.durationSec),
    video.width && video.height ? `${video.width}×${video.height}` : "",
    video.status === "ready" ? plural(video.frameCount, "frame") + " indexed" : "",
    video.status === "ready" && video.objectCount ? plural(video.objectCount, "object") : "",
    partly && video.frameCount ? `${partly}: ${plural(video.frameCount, "frame")} searchable` : partly,
  ]
    .filter(Boolean)
    .join(" · ");
}

export function VideoList({ videos, loaded, error, uploadingHere, onOpen, onSearchIn, onRetry, onUploadAgain, onResume, onDelete }: VideoListProps) {
  const [confirming, setConfirming] = useState<VideoView>();
  const deleted = useRef(false);
  const [retrying, setRetrying] = useState<ReadonlySet<string>>(new Set());
  const [retryError, setRetryError] = useState<string>();
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string>();

  return (
    <section className="card" aria-labelledby="videos-title">
      <div className="section-head">
        <h2 id="videos-title" className="section-title">
          Videos
        </h2>
        {videos.length ? <span className="muted small">{plural(videos.length, "video")}</span> : null}
      </div>
      {error ? (
        <p className="notice error" role="alert">
          {error}
        </p>
      ) : null}
      {deleteError ? (
        <p className="notice error" role="alert">
          {deleteError}
        </p>
      ) : null}
      {retryError ? (
        <p className="notice error" role="alert">
          {retryError}
        </p>
      ) : null}
      {!loaded ? (
        <p className="muted empty">Loading videos…</p>
      ) : videos.length === 0 && !error ? (
        <div className="empty">
          <FilmIcon width={32} height={32} />
          <p>No videos yet.</p>
          <p className="muted small">Drop a video above: once it is processed you can search inside it by words or by picture.</p>
        </div>
      ) : (
        <ul className="video-list">
          {videos.map((video) => {
            const failure = video.error?.message ?? (video.status === "failed" ? video.job?.lastError : null);
            const interrupted = video.status === "uploading" && !uploadingHere.has(video.id);
            return (
              <li key={video.id} className="video-row" data-status={video.status} data-video-id={video.id}>
                <div className="video-main">
                  <div className="video-title-line">
                    {playable(video) ? (
                      <button type="button" className="video-title link-button" onClick={() => onOpen(video)} title={video.filename}>
                        {video.title}
                      </button>
                    ) : (
                      <span className="video-title" title={video.filename}>
                        {video.title}
                      </span>
                    )}
                    <span className={`badge ${video.status}`} data-testid="video-status">
                      {STATUS_LABEL[video.status]}
                    </span>
                  </div>
                  <p className="muted small">{meta(video)}</p>
                  {video.status === "queued" || video.status === "processing" ? <Stages video={video} /> : null}
                  {video.status === "uploading" && !interrupted ? <p className="muted small">Receiving the file…</p> : null}
                  {interrupted ? <p className="small warn-text">Upload interrupted. Choose the same file again to resume it.</p> : null}
                  {video.status === "failed" ? (
                    <p className="small error-text" role="note">
                      {failure || "Processing failed."}
                    </p>
                  ) : null}
                </div>
                <div className="row-actions">
                  {playable(video) ? (
                    <button type="button" className="button small" onClick={() => onOpen(video)} aria-label={`Play ${video.title}`}>
                      <PlayIcon width={16} height={16} /> Play
                    </button>
                  ) : null}
                  {video.status === "ready" ? (
                    <button type="button" className="button small subtle" onClick={() => onSearchIn(video)} aria-label={`Search in ${video.title}`}>
                      <SearchIcon width={16} height={16} /> Search in
                    </button>
                  ) : null}
                  {video.status === "failed" && video.retryable ? (
                    <button
                      type="button"
                      className="button small"
                      disabled={retrying.has(video.id)}
                      onClick={() => {
                        setRetryError(undefined);
                        setRetrying((ids) => new Set(ids).add(video.id));
                        onRetry(video)
                          .catch((failure: unknown) => setRetryError(failure instanceof Error ? failure.message : "The video could not be retried."))
                          .finally(() =>
                            setRetrying((ids) => {
                              const next = new Set(ids);
                              next.delete(video.id);
                              return next;
                            }),
                          );
                      }}
                      aria-label={`Retry ${video.title}: process the uploaded file again`}
                      title="Processes the uploaded file again, with fresh attempts."
                    >
                      <RetryIcon width={16} height={16} /> Retry
                    </button>
                  ) : null}
                  {uploadAgainCannotHelp(video) ? (
                    <button
                      type="button"
                      className="button small"
                      onClick={() => {
                        setDeleteError(undefined);
                        setConfirming(video);
                      }}
                      aria-label={`Remove ${video.title}`}
                      title="This file cannot be processed: remove it from the library."
                    >
                      <TrashIcon width={16} height={16} /> Remove
                    </button>
                  ) : video.status === "failed" && !video.retryable ? (
                    <button
                      type="button"
                      className="button small"
                      onClick={() => onUploadAgain(video)}
                      aria-label={`Upload ${video.title} again as a new video`}
                      title="The failed file was removed: choose a fixed file to upload it as a new video."
                    >
                      <UploadIcon width={16} height={16} /> Upload again…
                    </button>
                  ) : null}
                  {interrupted ? (
                    <button type="button" className="button small" onClick={() => onResume(video)} aria-label={`Resume the upload of ${video.title}`}>
                      <UploadIcon width={16} height={16} /> Resume…
                    </button>
                  ) : null}
                  <button
                    type="button"
                    className="icon-button danger"
                    onClick={() => {
                      setDeleteError(undefined);
                      setConfirming(video);
                    }}
                    disabled={video.status === "deleting"}
                    aria-label={`Delete ${video.title}`}
                    title="Delete"
                  >
                    <TrashIcon width={18} height={18} />
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <ConfirmDialog
        open={confirming !== undefined}
        title="Delete this video?"
        confirmLabel="Delete video"
        danger
        busy={deleting}
        onCancel={() => setConfirming(undefined)}
        // A deleted row's Delete button goes with it: the list's heading takes the focus instead.
        focusAfter={() => (deleted.current ? document.getElementById("videos-title") : undefined)}
        onConfirm={() => {
          if (!confirming) return;
          setDeleting(true);
          deleted.current = false;
          onDelete(confirming)
            .then(() => void (deleted.current = true))
            .catch((failure: unknown) => setDeleteError(failure instanceof Error ? failure.message : "The video could not be deleted."))
            .finally(() => {
              setDeleting(false);
              setConfirming(undefined);

            });
        }}
      >
        <p>
          <strong>{confirming?.title}</strong> will be removed with its frames, thumbnails and search index. This cannot be undone.
        </p>
      </ConfirmDialog>
    </section>
  );
}
