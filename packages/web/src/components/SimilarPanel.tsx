import { useId, type KeyboardEvent } from "react";
import type { ObjectHit } from "../api/types";
import { useSimilarPanel } from "../objects/similar-panel-state";
import type { SimilarStore } from "../objects/similar-store";
import { CloseIcon } from "./Icons";
import { LabelForm } from "./LabelForm";
import { SimilarControls } from "./SimilarControls";
import { SimilarObject } from "./SimilarObject";
import { SimilarResults } from "./SimilarResults";

export interface SimilarPanelProps {
  store: SimilarStore;
  resolveUrl(url: string): string;
  hrefOf(hit: ObjectHit): string;
  /** Opens a result in the player. */
  onOpen(hit: ObjectHit): void;
  onClose(): void;
  /** The title of the clicked object's video. */
  videoTitle?: string;
  /** More labels to suggest, e.g. those of the video's objects. */
  suggestions?: readonly string[];
}

/**
 * Objects like the clicked one: threshold, focused or expanded search, this video only; results
 * picked into a positive and a negative set and labelled together. A side panel, a bottom sheet
 * on narrow screens.
 */
export function SimilarPanel({ store, resolveUrl, hrefOf, onOpen, onClose, videoTitle, suggestions: more = [] }: SimilarPanelProps) {
  const { state, heading, label, setLabel, self, setSelf, suggestions } = useSimilarPanel(store, more);
  const titleId = useId();
  const object = state.object;
  if (!object) return null;

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    event.preventDefault();
    onClose();
  };

  return (
    <aside className="card similar-panel" aria-labelledby={titleId} onKeyDown={onKeyDown} data-object-id={object.id}>
      <div className="similar-head">
        <h2 id={titleId} ref={heading} tabIndex={-1} className="section-title">
          Similar objects
        </h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close similar objects" title="Close (Esc)">
          <CloseIcon />
        </button>
      </div>
      <SimilarObject state={state} object={object} store={store} resolveUrl={resolveUrl} videoTitle={videoTitle} />
      <SimilarControls settings={state.settings} store={store} />
      <SimilarResults state={state} store={store} resolveUrl={resolveUrl} hrefOf={hrefOf} onOpen={onOpen} />
      <LabelForm state={state} object={object} store={store} label={label} onLabel={setLabel} self={self} onSelf={setSelf} suggestions={suggestions} />
    </aside>
  );
}
