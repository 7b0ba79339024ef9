import { useMemo, useRef, useState, useSyncExternalStore } from "react";
import type { VideoView } from "../api/types";
import type { VideosState } from "../lib/use-videos";
import type { UploadQueue } from "../upload/queue";
import { screenFiles } from "../upload/sniff";
import { CloseIcon } from "./Icons";
import { Dropzone, UploadList } from "./Uploads";
import { VideoList } from "./VideoList";

export interface LibraryProps {
  queue: UploadQueue;
  videos: VideosState;
  deleteVideo(id: string): Promise<unknown>;
  retryVideo(id: string): Promise<unknown>;
  onOpen(video: VideoView): void;
  onSearchIn(video: VideoView): void;
}

/** Upload videos and follow them: uploads, processing progress, failures, delete. */
export function Library({ queue, videos, deleteVideo, retryVideo, onOpen, onSearchIn }: LibraryProps) {
  const items = useSyncExternalStore(queue.subscribe, queue.getSnapshot);
  const picker = useRef<HTMLInputElement>(null);
  const [notice, setNotice] = useState<string>();
  /** Files of the last drop or pick that are not videos: refused before any byte is sent. */
  const [refused, setRefused] = useState<readonly string[]>([]);

  const uploadingHere = useMemo(
    () => new Set(items.flatMap((item) => (item.videoId && item.status !== "done" && item.status !== "cancelled" ? [item.videoId] : []))),
    [items],
  );

  const summary = useMemo(() => {
    const count = (status: VideoView["status"]) => videos.videos.filter((v) => v.status === status).length;
    const processing = count("processing") + count("queued");
    const ready = count("ready");
    const failed = count("failed");
    return [ready ? `${ready} ready` : "", processing ? `${processing} processing` : "", failed ? `${failed} failed` : ""].filter(Boolean).join(" · ");
  }, [videos.videos]);

  return (
    <div className="page">
      <header className="page-head">
        <div>
          <h1>Library</h1>
          <p className="muted">Upload videos; each one is sampled, embedded and indexed so you can search inside it.</p>
        </div>
        {summary ? <p className="muted small page-summary">{summary}</p> : null}
      </header>
      <Dropzone
        inputRef={picker}
        onFiles={(files) => {
          setNotice(undefined);
          void screenFiles(files).then(({ videos, refused: notVideos }) => {
            setRefused(notVideos);
            if (videos.length) queue.add(videos);
          });
        }}
      />
      {refused.length ? (
        <div className="notice error refused">
          <div role="alert">
            <ul>
              {refused.map((sentence, i) => (
                <li key={i}>{sentence}</li>
              ))}
            </ul>
          </div>
          <button type="button" className="icon-button" onClick={() => setRefused([])} aria-label="Dismiss this notice">
            <CloseIcon width={16} height={16} />
          </button>
        </div>
      ) : null}
      {notice ? (
        <p className="notice info" role="status">
          {notice}
        </p>
      ) : null}
      <UploadList items={items} queue={queue} />
      <VideoList
        videos={videos.videos}
        loaded={videos.loaded}
        {...(videos.error ? { error: videos.error } : {})}
        uploadingHere={uploadingHere}
        onOpen={onOpen}
        onSearchIn={onSearchIn}
        onRetry={async (video) => {
          await retryVideo(video.id);
          setNotice(`Processing ${video.title} again.`);
          await videos.refresh();
        }}
        onUploadAgain={(video) => {
          const file = queue.fileOf(video.id);
          if (file) {
            queue.add([file]);
            setNotice(`Uploading ${file.name} again as a new video. The failed one stays in the list until you delete it.`);
          } else {
            setNotice(`This page no longer has ${video.filename}: choose it again to upload it as a new video.`);
            picker.current?.click();
          }
        }}
        onResume={(video) => {
          setNotice(`Choose ${video.filename} again: the upload continues where it stopped.`);
          picker.current?.click();
        }}
        onDelete={async (video) => {
          await deleteVideo(video.id);
          await videos.refresh();
        }}
      />
    </div>
  );
}
