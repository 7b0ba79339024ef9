import { useEffect, useRef, useState, type DragEvent, type RefObject } from "react";
import { formatBytes, percent } from "../lib/format";
import type { UploadItem, UploadQueue } from "../upload/queue";
import { CloseIcon, RetryIcon, UploadIcon } from "./Icons";

/** Whether a drag carries files (and not, say, selected text). */
export const draggingFiles = (event: DragEvent) => Array.from(event.dataTransfer?.types ?? []).includes("Files");

export interface DropzoneProps {
  onFiles(files: File[]): void;
  /** Lets other parts of the page open the same picker (e.g. "Resume…"). */
  inputRef?: RefObject<HTMLInputElement | null>;
}

/** Drop videos here or pick them: several at once. */
export function Dropzone({ onFiles, inputRef }: DropzoneProps) {
  const ownRef = useRef<HTMLInputElement>(null);
  const input = inputRef ?? ownRef;
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);

  const take = (list: FileList | null | undefined) => {
    const files = Array.from(list ?? []);
    if (files.length) onFiles(files);
  };

  return (
    <section
      className={`dropzone${dragging ? " dragging" : ""}`}
      aria-label="Upload videos"
      onDragEnter={(event) => {
        if (!draggingFiles(event)) return;
        event.preventDefault();
        depth.current++;
        setDragging(true);
      }}
      onDragOver={(event) => {
        if (!draggingFiles(event)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
      }}
      onDragLeave={() => {
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setDragging(false);
      }}
      onDrop={(event) => {
        event.preventDefault();
        depth.current = 0;
        setDragging(false);
        take(event.dataTransfer.files);
      }}
    >
      <span className="dropzone-icon">
        <UploadIcon width={26} height={26} />
      </span>
      <div>
        <p className="dropzone-title">
          {dragging ? "Drop to upload" : "Drop videos here"}
          {dragging ? null : (
            <>
              {" "}
              or{" "}
              <button type="button" className="link-button" onClick={() => input.current?.click()}>
                choose files
              </button>
            </>
          )}
        </p>
        <p className="muted small">MP4, MOV, WebM, MKV… Several at a time; an interrupted upload resumes where it stopped.</p>
      </div>
      <input
        ref={input}
        className="visually-hidden"
        type="file"
        accept="video/*"
        multiple
        tabIndex={-1}
        // The "choose files" button opens it: one control, not two, for a screen reader.
        aria-hidden="true"
        aria-label="Choose video files to upload"
        onChange={(event) => {
          take(event.currentTarget.files);
          event.currentTarget.value = "";
        }}
      />
    </section>
  );
}

function statusText(item: UploadItem): string {
  const amount = `${formatBytes(item.sentBytes)} of ${formatBytes(item.sizeBytes)}`;
  switch (item.status) {
    case "queued":
      return "Waiting for a free slot…";
    case "uploading":
      return `Uploading · ${percent(item.sentBytes / Math.max(1, item.sizeBytes))} · ${amount}${item.resumedFrom ? ` · resumed at ${formatBytes(item.resumedFrom)}` : ""}`;
    case "retrying":
      return item.retry
        ? `${item.retry.reason} Trying again in ${Math.max(1, Math.round(item.retry.delayMs / 1000))} s (try ${item.retry.attempt} of ${item.retry.maxAttempts}).`
        : "Trying again…";
    case "completing":
      return "Finishing the upload…";
    case "done":
      return "Uploaded. Processing has started.";
    case "failed":
      return item.error ?? "The upload failed.";
    case "cancelled":
      return "Cancelled.";
  }
}

/** How long a finished upload stays in the list before the video list takes over. */
const DONE_LINGER_MS = 4000;

export function UploadList({ items, queue }: { items: readonly UploadItem[]; queue: UploadQueue }) {
  useEffect(() => {
    const finished = items.filter((item) => item.status === "done" || item.status === "cancelled");
    if (!finished.length) return;
    const timer = setTimeout(() => finished.forEach((item) => queue.dismiss(item.id)), DONE_LINGER_MS);
    return () => clearTimeout(timer);
  }, [items, queue]);

  if (!items.length) return null;
  return (
    <section className="card uploads" aria-label="Uploads">
      <h2 className="section-title">Uploads</h2>
      <ul className="upload-list">
        {items.map((item) => {
          const fraction = item.sizeBytes ? item.sentBytes / item.sizeBytes : item.status === "done" ? 1 : 0;
          const active = item.status === "uploading" || item.status === "retrying" || item.status === "completing" || item.status === "queued";
          return (
            <li key={item.id} className="upload-row" data-status={item.status}>
              <div className="upload-head">
                <span className="upload-name" title={item.name}>
                  {item.name}
                </span>
                <span className="muted small">{formatBytes(item.sizeBytes)}</span>
              </div>
              <div
                className="bar"
                role="progressbar"
                aria-label={`Upload of ${item.name}`}
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={Math.round(fraction * 100)}
              >
                <span style={{ width: `${Math.round(fraction * 1000) / 10}%` }} />
              </div>
              <div className="upload-foot">
                <span className={`small ${item.status === "failed" ? "error-text" : item.status === "retrying" ? "warn-text" : "muted"}`} role={item.status === "failed" ? "alert" : undefined}>
                  {statusText(item)}
                </span>
                <span className="row-actions">
                  {item.status === "failed" && item.retryable !== false ? (
                    <button type="button" className="button small" onClick={() => queue.retry(item.id)} aria-label={`Retry the upload of ${item.name}`}>
                      <RetryIcon width={16} height={16} /> Retry
                    </button>
                  ) : null}
                  {active || item.status === "failed" ? (
                    <button type="button" className="button small subtle" onClick={() => void queue.cancel(item.id)} aria-label={`Cancel the upload of ${item.name}`}>
                      <CloseIcon width={16} height={16} /> Cancel
                    </button>
                  ) : (
                    <button type="button" className="icon-button" onClick={() => queue.dismiss(item.id)} aria-label={`Dismiss ${item.name}`}>
                      <CloseIcon width={16} height={16} />
                    </button>
                  )}
                </span>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
