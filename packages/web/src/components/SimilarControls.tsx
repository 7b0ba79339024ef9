import { useId } from "react";
import { formatScore } from "../lib/format";
import type { SimilarSettings, SimilarStore } from "../objects/similar-store";

/** The search settings: minimum score, focused or expanded, this video only. */
export function SimilarControls({ settings, store }: { settings: SimilarSettings; store: SimilarStore }) {
  const name = useId();
  return (
    <div className="similar-controls">
      <label className="slider">
        <span className="slider-head">
          <span>Minimum score</span>
          <output>{formatScore(settings.minScore)}</output>
        </span>
        <input
          type="range"
          min={0}
          max={1}
          step={0.01}
          value={settings.minScore}
          aria-label="Minimum score"
          aria-valuetext={formatScore(settings.minScore)}
          onChange={(event) => store.setMinScore(Number(event.target.value))}
        />
      </label>
      <div className="similar-options">
        <div className="segmented" role="radiogroup" aria-label="Search mode">
          {(
            [
              ["focused", "Focused", "Objects that look like this one"],
              ["expanded", "Expanded", "Also objects like its best matches, and others with the same label"],
            ] as const
          ).map(([mode, text, about]) => (
            <label key={mode} title={about} className={settings.mode === mode ? "on" : ""}>
              <input type="radio" name={`${name}-mode`} value={mode} checked={settings.mode === mode} onChange={() => void store.setMode(mode)} />
              {text}
            </label>
          ))}
        </div>
        <label className="check">
          <input type="checkbox" checked={settings.videoOnly} onChange={(event) => void store.setVideoOnly(event.target.checked)} />
          This video only
        </label>
      </div>
    </div>
  );
}
