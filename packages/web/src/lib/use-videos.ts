import { useCallback, useEffect, useRef, useState } from "react";
import { messageOf, type ApiClient } from "../api/client";
import type { VideoView } from "../api/types";
import { steadyProgress } from "./progress";

/** Statuses that change on their own, so the list is polled while any video has one. */
const MOVING = new Set<VideoView["status"]>(["queued", "processing", "deleting"]);

export const POLL_MS = 1500;
/**
 * With nothing moving, the list is still read this often while the page is visible, so a video
 * uploaded in another tab, by the CLI or by another person shows up within a few seconds.
 */
export const IDLE_POLL_MS = 4000;

export interface VideosState {
  videos: VideoView[];
  loaded: boolean;
  error?: string;
  refresh(): Promise<void>;
}

/**
 * The video list, refreshed every POLL_MS while anything is being processed (or `busy`, e.g.
 * uploads running), else every IDLE_POLL_MS, while the page is visible; at once when it becomes
 * visible again. A run's bars never go back (steadyProgress).
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
          setVideos((shown) => steadyProgress(shown, list));
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
    const timer = setInterval(
      () => {
        if (document.visibilityState !== "hidden") void refresh();
      },
      moving ? POLL_MS : IDLE_POLL_MS,
    );
    return () => clearInterval(timer);
  }, [moving, refresh]);

  return { videos, loaded, ...(error ? { error } : {}), refresh };
}
