import { useCallback, useEffect, useState } from "react";

/**
 * Everything the address bar holds, so any screen can be shared or reloaded:
 * `?view=search&q=a+red+car&video=<id>&min=0.2&kind=object&v=<videoId>&t=12.5`; a picture search
 * is `?view=search&image=<id>` (a picture the server keeps a week); `?view=activity` is the fleet page.
 * `v` opens the player on that video, `t` is where it starts (seconds).
 */
export interface Route {
  view: "library" | "search" | "activity";
  /** Words of the current search. */
  q?: string;
  /** The picture of the current search, by the id the server keeps it under (never with `q`). */
  image?: string;
  /** Search filter: only this video. */
  video?: string;
  /** Search filter: minimum score. */
  min?: number;
  /** Search filter: only moments or only objects (both when absent). */
  kind?: "frame" | "object";
  /** Video open in the player. */
  v?: string;
  /** Player position, seconds. */
  t?: number;
}

/** What the server names a kept picture by: the sha256 of its bytes. */
const PICTURE_ID = /^[0-9a-f]{64}$/;

function finite(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

export function parseRoute(search: string): Route {
  const params = new URLSearchParams(search);
  const view = params.get("view");
  const route: Route = { view: view === "search" || view === "activity" ? view : "library" };
  const q = params.get("q")?.trim();
  if (q) route.q = q;
  const image = params.get("image");
  if (!q && image && PICTURE_ID.test(image)) route.image = image;
  const video = params.get("video");
  if (video) route.video = video;
  const min = finite(params.get("min"));
  if (min !== undefined) route.min = Math.max(-1, Math.min(1, min));
  const kind = params.get("kind");
  if (kind === "frame" || kind === "object") route.kind = kind;
  const v = params.get("v");
  if (v) route.v = v;
  const t = finite(params.get("t"));
  if (t !== undefined && v) route.t = Math.max(0, t);
  // A shared search link opens on the search view even without `view=search`.
  if (!params.has("view") && (route.q || route.image)) route.view = "search";
  return route;
}

/** The query string of a route (`?...`), empty for the default screen. */
export function routeQuery(route: Route): string {
  const params = new URLSearchParams();
  // A link with words but no view opens the search, so the library says so when it keeps them.
  if (route.view !== "library" || route.q || route.image) params.set("view", route.view);
  if (route.q) params.set("q", route.q);
  else if (route.image) params.set("image", route.image);
  if (route.video) params.set("video", route.video);
  if (route.min !== undefined) params.set("min", String(route.min));
  if (route.kind) params.set("kind", route.kind);
  if (route.v) params.set("v", route.v);
  if (route.v && route.t !== undefined) params.set("t", String(Math.round(route.t * 100) / 100));
  const query = params.toString();
  return query ? `?${query}` : "";
}

export function routeHref(route: Route): string {
  return `${globalThis.location?.pathname ?? "/"}${routeQuery(route)}`;
}

export type Navigate = (next: Route, options?: { replace?: boolean }) => void;

/** The route in the address bar, kept in step with back/forward. */
export function useRoute(): [Route, Navigate] {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.search));
  useEffect(() => {
    const onPop = () => setRoute(parseRoute(location.search));
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);
  const navigate = useCallback<Navigate>((next, options) => {
    const href = routeHref(next);
    if (href !== `${location.pathname}${location.search}`) {
      if (options?.replace) history.replaceState(history.state, "", href);
      else history.pushState({ inApp: true }, "", href);
    }
    setRoute(parseRoute(routeQuery(next)));
  }, []);
  return [route, navigate];
}
