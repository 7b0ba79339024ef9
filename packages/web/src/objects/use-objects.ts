import { useCallback, useEffect, useState } from "react";
import { messageOf, type ApiClient } from "../api/client";
import type { DetectedObject } from "../api/types";

export interface VideoObjects {
  objects: readonly DetectedObject[];
  loaded: boolean;
  error?: string;
  /** Fetches them again (labels changed). */
  refresh(): void;
}

const NONE: readonly DetectedObject[] = [];

/**
 * The objects of a video with their labels (probable ones included), fetched once the video is
 * ready, and again on `refresh()`. Nothing is fetched while `ready` is false.
 */
export function useVideoObjects(api: Pick<ApiClient, "listObjects">, videoId: string, ready: boolean): VideoObjects {
  const [found, setFound] = useState<{ videoId: string; objects: readonly DetectedObject[]; error?: string }>();
  const [revision, setRevision] = useState(0);

  useEffect(() => {
    if (!ready) return;
    const controller = new AbortController();
    api.listObjects(videoId, {}, controller.signal).then(
      (objects) => setFound({ videoId, objects }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        // Keep what was shown: failing to refresh labels should not wipe the boxes.
        setFound((previous) => ({ videoId, objects: previous?.videoId === videoId ? previous.objects : NONE, error: messageOf(error) }));
      },
    );
    return () => controller.abort();
  }, [api, videoId, ready, revision]);

  const refresh = useCallback(() => setRevision((value) => value + 1), []);
  const mine = found?.videoId === videoId ? found : undefined;
  return { objects: mine?.objects ?? NONE, loaded: Boolean(mine), ...(mine?.error ? { error: mine.error } : {}), refresh };
}
