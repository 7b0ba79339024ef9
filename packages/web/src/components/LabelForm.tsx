import { useId, useRef, type FormEvent } from "react";
import type { DetectedObject } from "../api/types";
import { ownLabels } from "../objects/similar-panel-state";
import type { SimilarState, SimilarStore } from "../objects/similar-store";
import { CheckIcon, CloseIcon, TagIcon } from "./Icons";

export interface LabelFormProps {
  state: SimilarState;
  object: DetectedObject;
  store: SimilarStore;
  label: string;
  onLabel(label: string): void;
  /** Whether the clicked object gets the label too. */
  self: boolean;
  onSelf(self: boolean): void;
  suggestions: readonly string[];
}

/** Labels the selection: the positives (and the clicked object) get the label, the negatives get it as negative. */
export function LabelForm({ state, object, store, label, onLabel, self, onSelf, suggestions }: LabelFormProps) {
  const listId = useId();
  const input = useRef<HTMLInputElement>(null);
  const positives = [...state.bins.values()].filter((bin) => bin === "positive").length;
  const negatives = state.bins.size - positives;
  const typed = label.trim().toLowerCase();
  const targets = positives + negatives + (self ? 1 : 0);
  const busy = state.applying;
  const own = ownLabels(state, object);
  /** The similar search leaves out results marked as not one of these. */
  const named = (name: string) => name === object.label || own.some((l) => l.polarity === "positive" && l.label === name);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!typed || targets === 0) return;
    // Apply turns disabled while it works, which would drop its focus to the page (and Escape
    // would no longer reach the panel): the label field keeps it, ready for the next label.
    input.current?.focus();
    void store.apply(typed, { self });
  };

  return (
    <form className="label-form" onSubmit={onSubmit} aria-label="Label the selection">
      <p className="label-sets small">
        <span className="set positive">
          <CheckIcon width={14} height={14} /> {positives} positive
        </span>
        <span className="set negative">
          <CloseIcon width={14} height={14} /> {negatives} negative
        </span>
        <label className="check">
          <input type="checkbox" checked={self} onChange={(event) => onSelf(event.target.checked)} />
          this object too
        </label>
      </p>
      <div className="label-row">
        <TagIcon className="label-icon" width={18} height={18} />
        <input
          ref={input}
          type="text"
          className="label-input"
          value={label}
          onChange={(event) => onLabel(event.target.value)}
          placeholder={`Label, e.g. ${suggestions.find((s) => s !== object.label) ?? "guest"}`}
          aria-label="Label"
          list={listId}
          maxLength={100}
          autoComplete="off"
          enterKeyHint="done"
        />
        <datalist id={listId}>
          {suggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
        <button type="submit" className="button primary" disabled={!typed || targets === 0 || busy}>
          {busy ? "Labelling…" : "Apply"}
        </button>
      </div>
      {negatives > 0 && typed && !self && !named(typed) ? (
        <p className="muted small">Results marked negative stay listed unless this object has the label too.</p>
      ) : null}
      {state.outcome ? (
        <p className={`outcome small ${state.outcome.ok ? "ok" : "error-text"}`} role="status" data-testid="label-outcome">
          {state.outcome.text}
        </p>
      ) : null}
    </form>
  );
}
