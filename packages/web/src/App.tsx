import { useCallback, useEffect, useMemo, useRef, useSyncExternalStore, type MouseEvent } from "react";
import { apiBaseFrom, createApiClient, type ApiClient } from "./api/client";
import type { SearchFilters, SearchHit } from "./api/types";
import { ActivityPage } from "./components/ActivityPage";
import { Announcer } from "./components/Announcer";
import { ConnectionBanner } from "./components/ConnectionBanner";
import { Library } from "./components/Library";
import { LogoIcon } from "./components/Icons";
import { Player } from "./components/Player";
import { SearchPage } from "./components/SearchPage";
import { createConnection, type Connection } from "./lib/connection";
import { routeHref, useRoute, type Route } from "./lib/route";
import { useVideos } from "./lib/use-videos";
import { createSearchStore, type SearchState } from "./search/store";
import { UploadQueue } from "./upload/queue";
import { localResumeStore } from "./upload/resume";

const APP_NAME = "Video Object Search";

const filtersOf = (route: Route): SearchFilters => ({
  ...(route.video ? { videoId: route.video } : {}),
  ...(route.min !== undefined ? { minScore: route.min } : {}),
  ...(route.kind ? { kinds: [route.kind] } : {}),
});

const sameFilters = (a: SearchFilters, b: SearchFilters) => a.videoId === b.videoId && a.minScore === b.minScore && (a.kinds ?? []).join() === (b.kinds ?? []).join();

function searchLabel(state: SearchState): string | undefined {
  if (state.status === "idle") return undefined;
  return state.query.kind === "text" ? `“${state.query.text}”` : "the picture";
}

/** A plain left click on a link: handle it in the page instead of loading a new one. */
const inPage = (event: MouseEvent) => event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;

export interface AppProps {
  /** The API client; by default `/api` on this origin, or VITE_API_URL. */
  api?: ApiClient;
  /** The signed-in user, on servers with sign-in. */
  user?: { email: string; signOut(): void };
  /** Whether the server answers: the one `api` reports to (by default one of its own). */
  connection?: Connection;
}

/** Watches the API at `base` (`/api` or VITE_API_URL's): its health answers while it is there. */
export const serverConnection = (base = apiBaseFrom(import.meta.env.VITE_API_URL as string | undefined)) =>
  createConnection({ probe: () => fetch(`${base}/health`, { cache: "no-store" }).then(() => true, () => false) });

export function App({ api: given, user, connection: givenConnection }: AppProps) {
  const connection = useMemo(() => givenConnection ?? serverConnection(given?.baseUrl), [givenConnection, given]);
  const api = useMemo(() => given ?? createApiClient({ connection }), [given, connection]);
  const queue = useMemo(() => new UploadQueue({ api, resume: localResumeStore(), connection }), [api, connection]);
  const search = useMemo(() => createSearchStore(api, { connection }), [api, connection]);
  const online = useSyncExternalStore(connection.subscribe, connection.getSnapshot).online;
  const [route, navigate] = useRoute();
  const uploads = useSyncExternalStore(queue.subscribe, queue.getSnapshot);
  const searchState = useSyncExternalStore(search.subscribe, search.getSnapshot);
  const busy = uploads.some((item) => item.status === "queued" || item.status === "uploading" || item.status === "retrying" || item.status === "completing");
  const videos = useVideos(api, busy);
  const searchInput = useRef<HTMLInputElement>(null);

  // A finished or cancelled upload changes the video list: fetch it now rather than at the next poll.
  const settled = uploads.filter((item) => item.status === "done" || item.status === "cancelled" || item.status === "failed").map((item) => `${item.id}:${item.status}`).join(",");
  const { refresh } = videos;
  useEffect(() => {
    if (settled) void refresh();
  }, [settled, refresh]);
  // The server is back: the list as it is now, rather than at the next poll.
  useEffect(() => {
    if (online) void refresh();
  }, [online, refresh]);

  // The address bar drives the search on load and on back/forward: words, or a kept picture.
  useEffect(() => {
    if (!route.q && !route.image) return;
    const filters = filtersOf(route);
    const state = search.getSnapshot();
    const current = state.status === "idle" ? undefined : state.query.kind === "text" ? state.query.text : state.picture?.id;
    const same = current === (route.q ?? route.image) && state.status !== "idle" && sameFilters(state.filters, filters);
    if (same) return;
    void search.search(route.q ? { kind: "text", text: route.q } : { kind: "kept", id: route.image! }, filters);
  }, [route.q, route.image, route.video, route.min, route.kind, search]); // `route` itself also changes with the player's `t`.

  // Leaving the page stops uploads: ask first.
  useEffect(() => {
    if (!busy) return;
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = "";
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [busy]);

  // A file dropped outside a drop target must not replace the app with the file.
  useEffect(() => {
    const refuse = (event: DragEvent) => {
      if (event.defaultPrevented || !event.dataTransfer?.types.includes("Files")) return;
      event.preventDefault();
      if (event.type === "dragover") event.dataTransfer.dropEffect = "none";
    };
    window.addEventListener("dragover", refuse);
    window.addEventListener("drop", refuse);
    return () => {
      window.removeEventListener("dragover", refuse);
      window.removeEventListener("drop", refuse);
    };
  }, []);

  // "/" jumps to the search box from anywhere.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest("input, textarea, select, [contenteditable='true']")) return;
      event.preventDefault();
      if (route.view === "search" && !route.v && searchInput.current) return searchInput.current.focus();
      navigate({ ...route, view: "search", v: undefined, t: undefined });
      requestAnimationFrame(() => searchInput.current?.focus());
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [route, navigate]);

  const player = route.v ? videos.videos.find((video) => video.id === route.v) : undefined;
  useEffect(() => {
    const page = route.v ? (player?.title ?? "Player") : { search: "Search", activity: "Activity", library: "Library" }[route.view];
    document.title = `${page} · ${APP_NAME}`;
  }, [route.v, route.view, player?.title]);

  // A new screen (another view, the player opened or closed) takes the focus to its heading, so a
  // keyboard or screen-reader user lands where the page changed, not on <body>. The first screen
  // of a page load leaves the focus where the browser put it.
  const screen = `${route.view}|${route.v ?? ""}|${player ? "shown" : ""}`;
  const shownScreen = useRef<string | undefined>(undefined);
  useEffect(() => {
    const first = shownScreen.current === undefined;
    shownScreen.current = screen;
    if (first) return;
    const heading = document.querySelector<HTMLElement>("main h1");
    if (!heading || heading.contains(document.activeElement)) return;
    heading.tabIndex = -1;
    heading.focus();
  }, [screen]);

  const hrefOf = useCallback((hit: SearchHit) => routeHref({ ...route, v: hit.videoId, t: hit.timeSec }), [route]);
  const openHit = useCallback((hit: SearchHit) => navigate({ ...route, v: hit.videoId, t: hit.timeSec }), [route, navigate]);
  const closePlayer = () => {
    if ((history.state as { inApp?: boolean } | null)?.inApp) history.back();
    else navigate({ ...route, v: undefined, t: undefined });
  };
  const go = (view: Route["view"]) => (event: MouseEvent) => {
    if (!inPage(event)) return;
    event.preventDefault();
    navigate({ ...route, view, v: undefined, t: undefined });
  };

  let content;
  if (route.v) {
    content = (
      <Player
        api={api}
        videoId={route.v}
        {...(route.t !== undefined ? { t: route.t } : {})}
        videos={videos.videos}
        hits={searchState.status === "done" ? searchState.hits : []}
        {...(searchLabel(searchState) ? { searchLabel: searchLabel(searchState)! } : {})}
        onSeek={(seconds) => navigate({ ...route, t: seconds }, { replace: true })}
        onBack={closePlayer}
        backLabel={route.view === "search" ? "Back to results" : "Back to library"}
        hrefOf={hrefOf}
        onOpen={openHit}
      />
    );
  } else if (route.view === "search") {
    content = (
      <SearchPage
        store={search}
        videos={videos.videos}
        {...(route.q ? { text: route.q } : {})}
        filters={filtersOf(route)}
        inputRef={searchInput}
        onRoute={({ text: q, image }, filters, options) =>
          navigate(
            {
              view: "search",
              ...(q ? { q } : image ? { image } : {}),
              ...(filters.videoId ? { video: filters.videoId } : {}),
              ...(filters.minScore !== undefined ? { min: filters.minScore } : {}),
              ...(filters.kinds?.length === 1 ? { kind: filters.kinds[0] } : {}),
            },
            options,
          )
        }
        resolveUrl={api.resolve}
        hrefOf={hrefOf}
        onOpen={openHit}
        reindex={api}
      />
    );
  } else if (route.view === "activity") {
    content = <ActivityPage api={api} />;
  } else {
    content = (
      <Library
        queue={queue}
        videos={online ? videos : { ...videos, error: undefined }}
        deleteVideo={api.deleteVideo}
        retryVideo={api.retryVideo}
        onOpen={(video) => navigate({ ...route, v: video.id, t: undefined })}
        onSearchIn={(video) => {
          navigate({ ...route, view: "search", video: video.id, v: undefined, t: undefined });
          if (!route.q) requestAnimationFrame(() => searchInput.current?.focus());
        }}
      />
    );
  }

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <a className="brand" href={routeHref({ view: "library" })} onClick={go("library")}>
            <LogoIcon />
            <span>{APP_NAME}</span>
          </a>
          <nav className="nav" aria-label="Main">
            <a href={routeHref({ ...route, view: "library", v: undefined, t: undefined })} onClick={go("library")} aria-current={route.view === "library" && !route.v ? "page" : undefined}>
              Library
            </a>
            <a href={routeHref({ ...route, view: "search", v: undefined, t: undefined })} onClick={go("search")} aria-current={route.view === "search" && !route.v ? "page" : undefined}>
              Search
            </a>
            <a href={routeHref({ ...route, view: "activity", v: undefined, t: undefined })} onClick={go("activity")} aria-current={route.view === "activity" && !route.v ? "page" : undefined}>
              Activity
            </a>
          </nav>
          {user && (
            <div className="signed-in">
              <span className="muted small" title="Signed in">
                {user.email}
              </span>
              <button type="button" className="button small" onClick={user.signOut}>
                Sign out
              </button>
            </div>
          )}
        </div>
      </header>
      <ConnectionBanner connection={connection} />
      <Announcer videos={videos.loaded ? videos.videos : []} />
      {/* While the server is away, what is shown is marked as possibly out of date. */}
      <main id="main" className="main" tabIndex={-1} data-stale={online ? undefined : "true"}>
        {content}
      </main>
      <footer className="footer muted small">
        <span>{APP_NAME}</span>
        <a href={`${api.baseUrl}/openapi.json`}>API reference</a>
      </footer>
    </div>
  );
}
