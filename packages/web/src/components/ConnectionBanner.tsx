import { useSyncExternalStore } from "react";
import type { Connection } from "../lib/connection";

const clock = (ms: number) => new Date(ms).toLocaleTimeString("en", { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/**
 * One notice for the whole page while the server does not answer: what is shown is as of then,
 * and what was under way (a search, uploads, the list) goes on by itself once it answers.
 */
export function ConnectionBanner({ connection }: { connection: Connection }) {
  const state = useSyncExternalStore(connection.subscribe, connection.getSnapshot);
  return (
    <div className="connection-banner" role="status" data-testid="connection-banner" hidden={state.online}>
      {state.online ? null : (
        <p>
          <strong>Reconnecting to the server…</strong> What you see is as of {clock(state.since ?? Date.now())}; searches and uploads go on by themselves when it answers.
        </p>
      )}
    </div>
  );
}
