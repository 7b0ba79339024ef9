import { useEffect, useMemo, useRef, useState, useSyncExternalStore, type ClipboardEvent, type DragEvent, type FormEvent, type RefObject } from "react";
import type { HitKind, SearchFilters, SearchHit, VideoView } from "../api/types";
import type { SearchStore } from "../search/store";
import { CloseIcon, ImageIcon, SearchIcon } from "./Icons";
import { ReindexAction, type ReindexActionProps } from "./ReindexAction";
import { Results, resultsSummary } from "./Results";

export interface SearchPageProps {
  store: SearchStore;
  /** Videos for the "only in video" filter. */
  videos: VideoView[];
  /** Words and filters from the address bar. */
  text?: string;
  filters: SearchFilters;
  /** Keeps the address bar in step: words, or the kept picture's id (once the server answered), and filters. */
  onRoute(query: { text?: string; image?: string }, filters: SearchFilters, options: { replace: boolean }): void;
  resolveUrl(url: string): string;
  hrefOf(hit: SearchHit): string;
  onOpen(hit: SearchHit): void;
  /** Set by the page to focus the box (the "/" shortcut). */
  inputRef?: RefObject<HTMLInputElement | null>;
  /** Re-indexing, offered when some videos were indexed with another model. */
  reindex?: ReindexActionProps["api"];
}

function imageFrom(items: DataTransferItemList | FileList | null | undefined): File | undefined {
  if (!items) return undefined;
  for (const entry of Array.from(items as ArrayLike<DataTransferItem | File>)) {
    const file = entry instanceof File ? entry : entry.kind === "file" ? entry.getAsFile() : null;
    if (file && file.type.startsWith("image/")) return file;
  }
  return undefined;
}

/** One box for words; a picture (dropped, pasted or chosen) searches by image instead. */
export function SearchPage({ store, videos, text, filters, onRoute, resolveUrl, hrefOf, onOpen, inputRef, reindex }: SearchPageProps) {
  const state = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const ownInput = useRef<HTMLInputElement>(null);
  const input = inputRef ?? ownInput;
  const picker = useRef<HTMLInputElement>(null);
  const [words, setWords] = useState(text ?? "");
  const [dropping, setDropping] = useState(false);
  const [minText, setMinText] = useState(filters.minScore === undefined ? "" : String(filters.minScore));
  const query = state.status !== "idle" ? state.query : undefined;
  const image = query?.kind === "image" ? query : undefined;
  /** The picture as the server keeps it: the address bar names it, a reload shows it from there. */
  const kept = state.status !== "idle" ? state.picture : undefined;
  const byPicture = query?.kind === "image" || query?.kind === "kept";

  // Back/forward change the words in the address bar: show them.
  useEffect(() => setWords(text ?? ""), [text]);
  useEffect(() => setMinText(filters.minScore === undefined ? "" : String(filters.minScore)), [filters.minScore]);

  const local = useMemo(() => (image ? URL.createObjectURL(image.image) : undefined), [image]);
  useEffect(() => () => (local ? URL.revokeObjectURL(local) : undefined), [local]);
  const preview = local ?? (kept ? resolveUrl(kept.url) : undefined);

  // A picture search puts its picture's id in the address bar once the server kept it, so a
  // reload or a shared link runs it again.
  const keptId = byPicture ? kept?.id : undefined;
  useEffect(() => {
    if (keptId) onRoute({ image: keptId }, filters, { replace: true });
  }, [keptId]); // Only a newly kept picture; filters change the route where they are applied.

  const searchWords = (value: string, next: SearchFilters) => {
    const trimmed = value.trim();
    if (!trimmed) return;
    void store.search({ kind: "text", text: trimmed }, next);
    onRoute({ text: trimmed }, next, { replace: false });
  };
  const searchImage = (file: File, next: SearchFilters = filters) => {
    void store.search({ kind: "image", image: file, name: file.name || "pasted image" }, next);
    // A new search by picture (pushed: back returns to the search before it); its id follows once kept.
    onRoute({}, next, { replace: false });
  };
  const applyFilters = (next: SearchFilters) => {
    const current = query?.kind === "text" ? { text: query.text } : byPicture && kept ? { image: kept.id } : {};
    onRoute(current, next, { replace: true });
    if (state.status !== "idle") void store.retry(next);
  };

  // A picture pasted anywhere on this page searches by image.
  useEffect(() => {
    const onPaste = (event: globalThis.ClipboardEvent) => {
      if (event.defaultPrevented) return;
      const file = imageFrom(event.clipboardData?.items);
      if (!file) return;
      event.preventDefault();
      searchImage(file);
    };
    document.addEventListener("paste", onPaste);
    return () => document.removeEventListener("paste", onPaste);
  });

  // Typing a minimum score searches again after a short pause.
  useEffect(() => {
    const value = minText.trim() === "" ? undefined : Number(minText);
    if (value !== undefined && (!Number.isFinite(value) || value < -1 || value > 1)) return;
    if (value === filters.minScore) return;
    const { minScore: _previous, ...rest } = filters;
    const timer = setTimeout(() => applyFilters({ ...rest, ...(value !== undefined ? { minScore: value } : {}) }), 400);
    return () => clearTimeout(timer);
  }, [minText]); // Only typing re-runs it; the filters it reads are current at that time.

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (byPicture && !words.trim()) return void store.retry(filters);
    searchWords(words, filters);
  };
  const onDrop = (event: DragEvent) => {
    const file = imageFrom(event.dataTransfer.files);
    setDropping(false);
    if (!file) return;
    event.preventDefault();
    searchImage(file);
  };
  const onPasteInBox = (event: ClipboardEvent) => {
    const file = imageFrom(event.clipboardData.items);
    if (!file) return;
    event.preventDefault();
    searchImage(file);
  };

  const ready = videos.filter((video) => video.status === "ready");
  const filterVideo = filters.videoId ? videos.find((video) => video.id === filters.videoId) : undefined;
  const minInvalid = minText.trim() !== "" && !(Number(minText) >= -1 && Number(minText) <= 1);

  return (
    <div
      className="page"
      onDragOver={(event) => {
        if (!Array.from(event.dataTransfer.types).includes("Files")) return;
        event.preventDefault();
        setDropping(true);
      }}
      onDragLeave={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDropping(false);
      }}
      onDrop={onDrop}
    >
      <header className="page-head">
        <div>
          <h1>Search</h1>
          <p className="muted">Find moments by words, or by a picture that looks like them.</p>
        </div>
      </header>
      <form role="search" className={`searchbar${dropping ? " dropping" : ""}`} onSubmit={onSubmit} aria-label="Search videos">
        <SearchIcon className="searchbar-icon" />
        {byPicture ? (
          <span className="image-chip">
            {preview ? <img src={preview} alt="" /> : null}
            <span className="image-chip-name">Like {image ? image.name : "the picture in this link"}</span>
            <button
              type="button"
              className="icon-button"
              aria-label="Clear the picture"
              onClick={() => {
                store.clear();
                onRoute({}, filters, { replace: true });
              }}
            >
              <CloseIcon width={16} height={16} />
            </button>
          </span>
        ) : null}
        <input
          ref={input}
          type="search"
          className="searchbar-input"
          value={words}
          onChange={(event) => setWords(event.target.value)}
          onPaste={onPasteInBox}
          placeholder={byPicture ? "Or type words instead" : dropping ? "Drop the picture to search by image" : "Describe a moment, e.g. a red car"}
          aria-label="Search by words"
          maxLength={1000}
          enterKeyHint="search"
          autoComplete="off"
        />
        <button type="button" className="icon-button" onClick={() => picker.current?.click()} aria-label="Search by image" title="Search by image (or drop or paste one)">
          <ImageIcon />
        </button>
        <input
          ref={picker}
          className="visually-hidden"
          type="file"
          accept="image/*"
          tabIndex={-1}
          // The picture button opens it: one control, not two, for a screen reader.
          aria-hidden="true"
          aria-label="Choose a picture to search by"
          onChange={(event) => {
            const file = imageFrom(event.currentTarget.files);
            event.currentTarget.value = "";
            if (file) searchImage(file);
          }}
        />
        <button type="submit" className="button primary" disabled={!words.trim() && !byPicture}>
          Search
        </button>
      </form>
      <div className="filters">
        <label className="field">
          <span>Video</span>
          <select
            value={filters.videoId ?? ""}
            aria-label="Only search in this video"
            onChange={(event) => {
              const { videoId: _previous, ...rest } = filters;
              applyFilters({ ...rest, ...(event.target.value ? { videoId: event.target.value } : {}) });
            }}
          >
            <option value="">All videos</option>
            {filterVideo && filterVideo.status !== "ready" ? <option value={filterVideo.id}>{filterVideo.title}</option> : null}
            {ready.map((video) => (
              <option key={video.id} value={video.id}>
                {video.title}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Show</span>
          <select
            value={filters.kinds?.length === 1 ? filters.kinds[0] : ""}
            aria-label="Show moments, objects or both"
            onChange={(event) => {
              const { kinds: _previous, ...rest } = filters;
              const kind = event.target.value as HitKind | "";
              applyFilters({ ...rest, ...(kind ? { kinds: [kind] } : {}) });
            }}
          >
            <option value="">Moments and objects</option>
            <option value="frame">Moments</option>
            <option value="object">Objects</option>
          </select>
        </label>
        <label className="field">
          <span>Minimum score</span>
          <input
            type="number"
            inputMode="decimal"
            min={-1}
            max={1}
            step={0.01}
            placeholder="Any"
            value={minText}
            aria-label="Minimum score, from -1 to 1"
            aria-invalid={minInvalid || undefined}
            onChange={(event) => setMinText(event.target.value)}
          />
        </label>
        <p className="search-summary muted small" aria-live="polite" role="status">
          {resultsSummary(state)}
        </p>
      </div>
      <Results
        state={state}
        resolveUrl={resolveUrl}
        hrefOf={hrefOf}
        onOpen={onOpen}
        onRetry={() => void store.retry()}
        filtered={Boolean(filters.videoId) || filters.minScore !== undefined || Boolean(filters.kinds?.length)}
        mismatchAction={reindex ? <ReindexAction api={reindex} onDone={() => void store.retry()} /> : undefined}
      />
    </div>
  );
}
