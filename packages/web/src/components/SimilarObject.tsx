import type { DetectedObject, ObjectLabel } from "../api/types";
import { formatScore, formatTime } from "../lib/format";
import { shownLabel } from "../objects/boxes";
import { ownLabels } from "../objects/similar-panel-state";
import type { SimilarState, SimilarStore } from "../objects/similar-store";
import { CheckIcon, CloseIcon } from "./Icons";

function LabelChip({ label, onRemove, onConfirm, busy }: { label: ObjectLabel; onRemove?(): void; onConfirm?(): void; busy?: boolean }) {
  const text = label.source === "probable" ? `${label.label}?` : label.polarity === "negative" ? `not ${label.label}` : label.label;
  const how = label.source === "probable" ? "probable: most similar labelled objects say so" : label.source === "propagated" ? "carried from a near-duplicate" : "set by a person";
  return (
    <li className={`chip ${label.polarity} ${label.source}`} title={`${text} (${how})`}>
      <span>{text}</span>
      {label.source === "propagated" ? <span className="chip-note">carried</span> : null}
      {onConfirm ? (
        <button type="button" className="chip-button" onClick={onConfirm} disabled={busy} aria-label={`Confirm ${label.label}`} title={`Confirm: label it ${label.label}`}>
          <CheckIcon width={14} height={14} />
        </button>
      ) : null}
      {onRemove ? (
        <button type="button" className="chip-button" onClick={onRemove} disabled={busy} aria-label={`Remove ${text}`} title={`Remove ${text}`}>
          <CloseIcon width={14} height={14} />
        </button>
      ) : null}
    </li>
  );
}

/** The clicked object: its crop, where it is, and its labels (remove one, confirm a probable one). */
export function SimilarObject({ state, object, store, resolveUrl, videoTitle }: { state: SimilarState; object: DetectedObject; store: SimilarStore; resolveUrl(url: string): string; videoTitle?: string | undefined }) {
  const shown = shownLabel(object);
  const own = ownLabels(state, object);
  const probable = object.labels.filter((l) => l.source === "probable" && !own.some((o) => o.label === l.label));
  const busy = state.applying;
  return (
    <section className="similar-object" aria-label="The clicked object">
      <img src={resolveUrl(object.cropUrl)} alt={`Crop of the ${shown.label}`} />
      <div className="similar-object-text">
        <p className="similar-object-name">
          <strong>{shown.text}</strong>
          <span className="muted small" title="The detector's label and confidence">
            {" "}
            · {shown.label === object.label ? "detector" : `detected ${object.label}`} {formatScore(object.score)}
          </span>
        </p>
        <p className="muted small">
          at {formatTime(object.timeSec)}
          {videoTitle ? ` in ${videoTitle}` : ""}
        </p>
        {own.length + probable.length > 0 ? (
          <ul className="chips" aria-label="Labels of this object">
            {own.map((l) => (
              <LabelChip key={l.label} label={l} busy={busy} onRemove={() => void store.removeLabel(object.id, l.label)} />
            ))}
            {probable.map((l) => (
              <LabelChip key={`${l.label}?`} label={l} busy={busy} onConfirm={() => void store.applyTo(l.label, { positives: [object.id], negatives: [] })} />
            ))}
          </ul>
        ) : (
          <p className="muted small">No labels yet.</p>
        )}
      </div>
    </section>
  );
}
