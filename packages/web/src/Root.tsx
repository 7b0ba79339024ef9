import { useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { apiBaseFrom, createApiClient } from "./api/client";
import { App, serverConnection } from "./App";
import { createCognitoClient, type CognitoSettings } from "./auth/cognito";
import { createSessionStore, type SessionStore } from "./auth/session";
import { SignIn } from "./auth/SignIn";

type SignInKind = { kind: "none" | "token" } | ({ kind: "cognito" } & CognitoSettings);

/** Asks the API how to sign in; a server that cannot say (an older one, or unreachable for now) is treated as open. */
async function signInKind(base: string): Promise<SignInKind> {
  try {
    const response = await fetch(`${base}/auth`);
    if (!response.ok) return { kind: "none" };
    const answer = (await response.json()) as Partial<{ kind: string; clientId: string; endpoint: string; region: string }>;
    if (answer.kind === "cognito" && answer.clientId && answer.endpoint) {
      return { kind: "cognito", clientId: answer.clientId, endpoint: answer.endpoint, ...(answer.region ? { region: answer.region } : {}) };
    }
    return { kind: answer.kind === "token" ? "token" : "none" };
  } catch {
    return { kind: "none" };
  }
}

/** One web build for every server: open, the local token, or Cognito sign-in. */
export function Root() {
  const base = apiBaseFrom(import.meta.env.VITE_API_URL as string | undefined);
  const [kind, setKind] = useState<SignInKind>();
  useEffect(() => {
    void signInKind(base).then(setKind);
  }, [base]);

  if (!kind) return <p className="muted small" role="status">Loading…</p>;
  if (kind.kind !== "cognito") return <App />;
  return <SignedIn settings={kind} base={base} />;
}

function SignedIn({ settings, base }: { settings: CognitoSettings; base: string }) {
  const cognito = useMemo(() => createCognitoClient(settings), [settings]);
  const sessions = useMemo<SessionStore>(() => createSessionStore(cognito), [cognito]);
  const session = useSyncExternalStore(sessions.subscribe, sessions.get);
  // A new client per signed-in user, so nothing of the previous user's views is kept.
  const email = session?.email;
  const connection = useMemo(() => serverConnection(base), [base]);
  const api = useMemo(
    () => (email ? createApiClient({ baseUrl: base, tokens: sessions.tokens, askToken: () => sessions.refresh(), connection }) : undefined),
    [email, base, sessions, connection],
  );

  if (!session || !api) return <SignIn cognito={cognito} onSignedIn={sessions.signedIn} />;
  return <App key={session.email} api={api} connection={connection} user={{ email: session.email, signOut: () => void sessions.signOut() }} />;
}
