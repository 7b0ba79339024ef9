import { useCallback, useEffect, useRef, useState } from "react";
import { messageOf, type ApiClient } from "../api/client";
import type { VideoView } from "../api/types";

/** Statuses that change on their own, so the list is polled while any video has one. */
const MOVING = new Set<VideoView["status"]>(["queued", "processing", "deleting"]);

export const POLL_MS = 1500;

export interface VideosState {
  videos: VideoView[];
  loaded: boolean;
  error?: string;
  refresh(): Promise<void>;
}

/**
 * The video list, refreshed every POLL_MS while anything is being processed (or `busy`, e.g.
 * uploads running) and the page is visible.
 */
export function useVideos(api: Pick<ApiClient, "listVideos">, busy: boolean): VideosState {
  const [videos, setVideos] = useState<VideoView[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string>();
  const inFlight = useRef<Promise<void> | undefined>(undefined);

  const refresh = useCallback(() => {
    inFlight.current ??= api
      .listVideos()
      .then(
        (list) => {
          setVideos(list);
          setError(undefined);
        },
        (failure: unknown) => setError(messageOf(failure)),
      )
      .finally(() => {
        setLoaded(true);
        inFlight.current = undefined;
      });
    return inFlight.current;
  }, [api]);

  useEffect(() => {
    void refresh();
    const onVisible = () => {
      if (document.visibilityState === "visible") void refresh();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => document.removeEventListener("visibilitychange", onVisible);
  }, [refresh]);

  const moving = busy || videos.some((video) => MOVING.has(video.status));
  useEffect(() => {
    if (!moving) return;
    const timer = setInterval(() => {
      if (document.visibilityState !== "hidden") void refresh();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [moving, refresh]);

  return { videos, loaded, ...(error ? { error } : {}), refresh };
}
