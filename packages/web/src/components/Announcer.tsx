import { useEffect, useRef, useState } from "react";
import type { VideoView } from "../api/types";
import { announcements } from "../lib/announce";

/** A polite live region, out of sight, that says when uploads complete and videos become ready or fail. */
export function Announcer({ videos }: { videos: VideoView[] }) {
  const before = useRef<VideoView[] | undefined>(undefined);
  const [message, setMessage] = useState("");
  useEffect(() => {
    const said = announcements(before.current, videos);
    before.current = videos;
    if (said.length > 0) setMessage(said.join(" "));
  }, [videos]);
  return (
    <p className="visually-hidden" role="status" aria-live="polite" data-testid="announcer">
      {message}
    </p>
  );
}
