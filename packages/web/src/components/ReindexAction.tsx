import { useEffect, useRef, useState } from "react";
import { messageOf, type ApiClient } from "../api/client";
import type { ReindexStatus } from "../api/types";
import { RetryIcon } from "./Icons";

export interface ReindexActionProps {
  api: Pick<ApiClient, "startReindex" | "reindexStatus">;
  /** The library has switched: search again to reach every video. */
  onDone(): void;
  /** How often a running re-index is read (ms). */
  pollMs?: number;
}

function describe(status: ReindexStatus): string {
  const done = status.videos.filter((video) => video.status === "succeeded").length;
  const failed = status.videos.filter((video) => video.status === "failed").length;
  const to = status.target?.name ?? status.configured?.name ?? "the configured model";
  return `Re-indexing the library with ${to}: ${done} of ${status.videos.length} video${status.videos.length === 1 ? "" : "s"} done${failed ? `, ${failed} failed` : ""}. Searches use ${status.model?.name ?? "the old model"} until it finishes.`;
}

/**
 * Beside the notice that some videos were indexed with another model: re-index the library with
 * the configured model, follow it, and search again once the library has switched.
 */
export function ReindexAction({ api, onDone, pollMs = 1000 }: ReindexActionProps) {
  const [status, setStatus] = useState<ReindexStatus | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  // Why the configured model cannot load: a re-index to it cannot start, so the button is off.
  const [unloadable, setUnloadable] = useState<string | undefined>();
  const done = useRef(onDone);
  done.current = onDone;

  // A run already going (started elsewhere) is shown as it is.
  useEffect(() => {
    const controller = new AbortController();
    api.reindexStatus(controller.signal).then(
      (now) => {
        if (now.state !== "idle") setStatus(now);
        setUnloadable(now.configuredError ? `The configured model cannot be loaded: ${now.configuredError.message}` : undefined);
      },
      () => {},
    );
    return () => controller.abort();
  }, [api]);

  useEffect(() => {
    if (status?.state !== "running") return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.reindexStatus(controller.signal).then(
        (now) => {
          setStatus(now);
          if (now.state === "idle") done.current();
        },
        (reason: unknown) => !controller.signal.aborted && setError(messageOf(reason)),
      );
    }, pollMs);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, status, pollMs]);

  const start = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const now = await api.startReindex();
      setStatus(now);
      if (now.state === "idle") done.current();
    } catch (reason) {
      setError(messageOf(reason));
    } finally {
      setBusy(false);
    }
  };

  if (status?.state === "running") {
    return (
      <span className="reindex-action" data-state="running">
        {describe(status)}
      </span>
    );
  }
  return (
    <span className="reindex-action" data-state={status?.state ?? "idle"}>
      {status?.state === "failed" ? <span className="error-text">{describe(status)} </span> : null}
      {error ? <span className="error-text">{error} </span> : null}
      {unloadable && !error ? <span className="error-text">{unloadable} </span> : null}
      <button type="button" className="button small" onClick={() => void start()} disabled={busy || unloadable !== undefined}>
        <RetryIcon width={14} height={14} /> {status?.state === "failed" ? "Resume the re-index" : "Re-index the library"}
      </button>
    </span>
  );
}
