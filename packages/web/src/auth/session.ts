import type { TokenStore } from "../api/client";
import type { CognitoClient, Session } from "./cognito";

export const SESSION_STORAGE_KEY = "vos.session";
/** Refresh this long before the access token expires, so requests never carry a stale one. */
const REFRESH_AHEAD_MS = 5 * 60_000;

function read(storage: Storage | undefined): Session | undefined {
  try {
    const raw = storage?.getItem(SESSION_STORAGE_KEY);
    const value = raw ? (JSON.parse(raw) as Partial<Session>) : undefined;
    return value?.accessToken && value.refreshToken && value.email && typeof value.expiresAt === "number" ? (value as Session) : undefined;
  } catch {
    return undefined;
  }
}

function write(storage: Storage | undefined, session: Session | undefined) {
  try {
    if (session) storage?.setItem(SESSION_STORAGE_KEY, JSON.stringify(session));
    else storage?.removeItem(SESSION_STORAGE_KEY);
  } catch {
    // Private mode: the session lasts as long as the page.
  }
}

/**
 * The signed-in user's tokens, kept between visits, refreshed ahead of expiry and when the API
 * refuses the access token. A refresh that fails signs the user out.
 */
export function createSessionStore(cognito: CognitoClient, storage: Storage | undefined = globalThis.localStorage) {
  let session = read(storage);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let refreshing: Promise<string | undefined> | undefined;
  const listeners = new Set<() => void>();

  function set(next: Session | undefined) {
    session = next;
    write(storage, next);
    schedule();
    for (const listener of listeners) listener();
  }

  function schedule() {
    clearTimeout(timer);
    if (!session) return;
    timer = setTimeout(() => void refresh(), Math.max(0, session.expiresAt - REFRESH_AHEAD_MS - Date.now()));
  }

  function refresh(): Promise<string | undefined> {
    const current = session;
    if (!current) return Promise.resolve(undefined);
    refreshing ??= cognito
      .refresh(current)
      .then((next) => {
        set(next);
        return next.accessToken;
      })
      .catch(() => {
        set(undefined);
        return undefined;
      })
      .finally(() => (refreshing = undefined));
    return refreshing;
  }

  schedule();

  /** The API client's token source: the access token; clearing it signs out. */
  const tokens: TokenStore = {
    get: () => session?.accessToken,
    set: (token) => {
      if (!token) set(undefined);
    },
  };

  return {
    tokens,
    refresh,
    get: () => session,
    signedIn: (next: Session) => set(next),
    async signOut() {
      const ending = session;
      set(undefined);
      if (ending) await cognito.revoke(ending);
    },
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
