import { useState, type FormEvent } from "react";
import { LogoIcon } from "../components/Icons";
import { SignInError, type CognitoClient, type Session, type SignInStep } from "./cognito";

export interface SignInProps {
  cognito: CognitoClient;
  onSignedIn(session: Session): void;
  /** Shown above the form, e.g. after a session ended. */
  notice?: string;
}

type Pending = Exclude<SignInStep, { kind: "signed-in" }>;

/** Email and password; then, when Cognito asks, a new password (first sign-in) or a TOTP code. */
export function SignIn({ cognito, onSignedIn, notice }: SignInProps) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [code, setCode] = useState("");
  const [pending, setPending] = useState<Pending>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function run(action: () => Promise<SignInStep>) {
    setBusy(true);
    setError(undefined);
    try {
      const next = await action();
      if (next.kind === "signed-in") onSignedIn(next.session);
      else setPending(next);
    } catch (caught) {
      setError(caught instanceof SignInError ? caught.message : "Sign-in failed. Try again in a moment.");
      // A refused challenge cannot be answered again: start over from the password.
      if (caught instanceof SignInError && caught.code === "NotAuthorizedException") setPending(undefined);
    } finally {
      setBusy(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!pending) return void run(() => cognito.signIn(email.trim(), password));
    if (pending.kind === "new-password") {
      if (newPassword !== confirm) return setError("The two passwords differ.");
      return void run(() => cognito.setNewPassword(pending.email, pending.challenge, newPassword));
    }
    return void run(() => cognito.answerTotp(pending.email, pending.challenge, code.trim()));
  }

  const title = !pending ? "Sign in" : pending.kind === "new-password" ? "Choose your password" : "Enter your code";
  return (
    <main className="sign-in" id="main">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title" noValidate>
        <div className="brand">
          <LogoIcon />
          <span>Video Object Search</span>
        </div>
        <h1 id="sign-in-title">{title}</h1>
        {notice && !error && !pending && <p className="muted small">{notice}</p>}
        {!pending && (
          <>
            <label className="field">
              Email
              <input type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} disabled={busy} />
            </label>
            <label className="field">
              Password
              <input type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} disabled={busy} />
            </label>
          </>
        )}
        {pending?.kind === "new-password" && (
          <>
            <p className="muted small">This is your first sign-in: replace the temporary password with one of your own (at least 12 characters, with upper and lower case letters, a digit and a symbol).</p>
            <label className="field">
              New password
              <input type="password" name="new-password" autoComplete="new-password" required value={newPassword} onChange={(e) => setNewPassword(e.target.value)} disabled={busy} />
            </label>
            <label className="field">
              Repeat the new password
              <input type="password" name="confirm-password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} disabled={busy} />
            </label>
          </>
        )}
        {pending?.kind === "totp" && (
          <label className="field">
            Code from your authenticator app
            <input name="code" inputMode="numeric" autoComplete="one-time-code" required value={code} onChange={(e) => setCode(e.target.value)} disabled={busy} />
          </label>
        )}
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? "Signing in…" : pending?.kind === "new-password" ? "Set password and sign in" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
