/**
 * Which detections of a track have their crop embedded. Twenty seconds of one object are twenty
 * near-identical crops: the track's first crop is embedded, then another only when the object may
 * look different: `everySec` after the last embedded one, when its box grew or shrank twofold (it
 * came nearer, a zoom), or when the detector is much surer of it (a clearer view). The others keep
 * their rows, boxes and crops, and stand for their track through its nearest embedded detection.
 *
 * Decisions depend only on the track's detections in frame order, so a resumed job that seeds the
 * plan with each open track's last embedded detection (`remember`) decides exactly as before.
 */
import type { Box } from "../detector/types.js";

/** Default seconds between two embedded crops of one track (0 embeds every detection). */
export const DEFAULT_TRACK_EMBED_SEC = 4;
/** Area ratio, either way, that counts as a new look. */
const AREA_CHANGE = 2;
/** Rise in the detector's score that counts as a clearer view. */
const SCORE_RISE = 0.15;

export interface EmbeddedDetection {
  timeSec: number;
  box: Pick<Box, "w" | "h">;
  score: number;
}

export class EmbedPlan {
  #last = new Map<string, { timeSec: number; area: number; score: number }>();

  /** `everySec` 0: every detection is embedded (no state is kept). */
  constructor(private readonly everySec: number = DEFAULT_TRACK_EMBED_SEC) {}

  /** Whether this detection's crop is embedded; remembered when it is. */
  decide(trackId: string, detection: EmbeddedDetection): boolean {
    if (this.everySec <= 0) return true;
    const last = this.#last.get(trackId);
    const area = detection.box.w * detection.box.h;
    const embed =
      !last ||
      detection.timeSec - last.timeSec >= this.everySec - 1e-6 ||
      area >= AREA_CHANGE * last.area ||
      area * AREA_CHANGE <= last.area ||
      detection.score >= last.score + SCORE_RISE;
    if (embed) this.#last.set(trackId, { timeSec: detection.timeSec, area, score: detection.score });
    return embed;
  }

  /** A track's last embedded detection, as a resumed job read it back. */
  remember(trackId: string, detection: EmbeddedDetection): void {
    if (this.everySec > 0) this.#last.set(trackId, { timeSec: detection.timeSec, area: detection.box.w * detection.box.h, score: detection.score });
  }

  /** Forgets tracks that ended: memory stays bounded by the tracks open at once. */
  keepOnly(open: ReadonlySet<string>): void {
    for (const id of this.#last.keys()) if (!open.has(id)) this.#last.delete(id);
  }
}
