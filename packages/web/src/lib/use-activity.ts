import { useCallback, useEffect, useRef, useState } from "react";
import { messageOf, type ApiClient } from "../api/client";
import type { Activity } from "../api/types";

/** How often the fleet page asks again while it is visible. */
export const ACTIVITY_POLL_MS = 2000;
/** After a failed refresh the next one waits longer, up to this. */
const MAX_BACKOFF_MS = 30_000;

export interface ActivityState {
  activity?: Activity;
  /** When the shown answer arrived (ms since the epoch). */
  at?: number;
  /** The last refresh failed: the page keeps what it last saw and tries again. */
  error?: string;
  refresh(): Promise<void>;
}

/**
 * The fleet's activity, asked again every ACTIVITY_POLL_MS while the page is visible and at once
 * when it becomes visible; failures back off (doubling, up to 30 s) without losing what was shown.
 */
export function useActivity(api: Pick<ApiClient, "activity">): ActivityState {
  const [state, setState] = useState<Omit<ActivityState, "refresh">>({});
  const inFlight = useRef<Promise<void> | undefined>(undefined);
  const failures = useRef(0);

  const refresh = useCallback(() => {
    inFlight.current ??= api
      .activity()
      .then(
        (activity) => {
          failures.current = 0;
          setState({ activity, at: Date.now() });
        },
        (failure: unknown) => {
          failures.current++;
          setState((previous) => ({ ...previous, error: messageOf(failure) }));
        },
      )
      .finally(() => {
        inFlight.current = undefined;
      });
    return inFlight.current;
  }, [api]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const schedule = () => {
      const wait = Math.min(MAX_BACKOFF_MS, ACTIVITY_POLL_MS * 2 ** failures.current);
      timer = setTimeout(async () => {
        if (document.visibilityState !== "hidden") await refresh();
        if (!stopped) schedule();
      }, wait);
    };
    const onVisible = () => {
      if (document.visibilityState === "visible") void refresh();
    };
    void refresh().then(() => {
      if (!stopped) schedule();
    });
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [refresh]);

  return { ...state, refresh };
}
