import { ApiError } from "@vos/contract";
import { createCognitoClient } from "./cognito.js";
import type { StoredSignIn, TokenStore } from "./token-store.js";

/** Refresh this long before the access token expires, so no request carries a dying token. */
export const REFRESH_BEFORE_MS = 2 * 60_000;

/** What the client sends as `Authorization: Bearer ...`. */
export interface Credentials {
  kind: "none" | "token" | "sign-in";
  /** The token for the next request, refreshed first when it is about to expire. */
  token(): Promise<string | undefined>;
  /** After a 401: new tokens when that can help; true when the request is worth sending again. */
  renew(): Promise<boolean>;
}

export const noCredentials: Credentials = { kind: "none", token: async () => undefined, renew: async () => false };

export const staticToken = (token: string): Credentials => ({ kind: "token", token: async () => token, renew: async () => false });

/**
 * A stored `vos login`: its access token, refreshed with REFRESH_TOKEN_AUTH shortly before it
 * expires and once on a 401, the new tokens saved for the next command. A refresh token Cognito
 * refuses is deleted: only a new sign-in helps then.
 */
export function signedIn(initial: StoredSignIn, store: TokenStore): Credentials {
  let current = initial;
  let refreshing: Promise<void> | undefined;
  const cognito = createCognitoClient({ clientId: initial.clientId, endpoint: initial.endpoint });

  function refresh(): Promise<void> {
    refreshing ??= (async () => {
      try {
        if (!current.refreshToken) throw new ApiError("auth.login_required", "Your sign-in has expired: run `vos login` again.", 401);
        const tokens = await cognito.refresh(current.refreshToken);
        current = { ...current, ...tokens };
        await store.save(current);
      } catch (error) {
        if (error instanceof ApiError && error.code === "auth.login_required") await store.remove(current.apiUrl);
        throw error;
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  }

  return {
    kind: "sign-in",
    async token() {
      if (current.expiresAt - Date.now() < REFRESH_BEFORE_MS) await refresh();
      return current.accessToken;
    },
    async renew() {
      await refresh();
      return true;
    },
  };
}

/** VOS_API_TOKEN when set, else the stored sign-in for this API, else nothing. */
export async function credentialsFor(apiUrl: string, env: NodeJS.ProcessEnv, store: TokenStore): Promise<Credentials> {
  const token = env.VOS_API_TOKEN?.trim();
  if (token) return staticToken(token);
  const stored = await store.load(apiUrl);
  return stored ? signedIn(stored, store) : noCredentials;
}
