/**
 * Sign-in against a Cognito user pool through its JSON API (what the AWS SDK sends), with plain
 * fetch: the password flow, the new-password challenge of admin-created users, TOTP codes, and
 * token refresh. No SDK in the bundle.
 */

/** What `GET /api/auth` says about a Cognito server. */
export interface CognitoSettings {
  clientId: string;
  /** Cognito's JSON API, e.g. https://cognito-idp.eu-west-1.amazonaws.com/ */
  endpoint: string;
  region?: string;
}

export interface Session {
  email: string;
  accessToken: string;
  idToken: string;
  refreshToken: string;
  /** When the access token expires, in ms since the epoch. */
  expiresAt: number;
}

/** Sign-in is done, or Cognito asks one more question before it is. */
export type SignInStep =
  | { kind: "signed-in"; session: Session }
  | { kind: "new-password"; email: string; challenge: string }
  | { kind: "totp"; email: string; challenge: string };

export class SignInError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "SignInError";
  }
}

export const WRONG_CREDENTIALS = "Wrong email or password.";
export const SIGN_IN_UNREACHABLE = "Cannot reach the sign-in service. Check your connection and try again.";

/** Cognito's error types as messages a person can act on; unknown or missing users read as a wrong password. */
function messageFor(type: string, message: string, during: "sign-in" | "challenge"): string {
  switch (type) {
    case "NotAuthorizedException":
    case "UserNotFoundException":
      return during === "challenge" ? "This sign-in took too long or was refused: start again." : WRONG_CREDENTIALS;
    case "InvalidPasswordException":
      // Cognito uses it for a new password that breaks the policy; an emulator also for a wrong one.
      return during === "challenge" ? `That password is not allowed: ${message.replace(/^Password does not conform to policy: /, "")}` : WRONG_CREDENTIALS;
    case "CodeMismatchException":
    case "ExpiredCodeException":
      return "That code is wrong or has expired: enter the current code from your authenticator app.";
    case "PasswordResetRequiredException":
      return "Your password has to be reset: ask your administrator.";
    case "UserNotConfirmedException":
      return "This account is not confirmed yet: ask your administrator.";
    case "TooManyRequestsException":
    case "LimitExceededException":
    case "TooManyFailedAttemptsException":
      return "Too many attempts. Wait a minute, then try again.";
    default:
      return "Sign-in failed. Try again in a moment.";
  }
}

export function createCognitoClient(settings: CognitoSettings, fetchImpl: typeof fetch = (input, init) => globalThis.fetch(input, init)) {
  async function call<T>(action: string, body: Record<string, unknown>, during: "sign-in" | "challenge"): Promise<T> {
    let response: Response;
    try {
      response = await fetchImpl(settings.endpoint, {
        method: "POST",
        headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `AWSCognitoIdentityProviderService.${action}` },
        body: JSON.stringify(body),
      });
    } catch {
      throw new SignInError("network", SIGN_IN_UNREACHABLE);
    }
    const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) {
      const type = String(answer.__type ?? answer.code ?? "").split("#").pop() ?? "";
      throw new SignInError(type || `http.${response.status}`, messageFor(type, String(answer.message ?? ""), during));
    }
    return answer as T;
  }

  type Answer = {
    AuthenticationResult?: { AccessToken: string; IdToken: string; RefreshToken?: string; ExpiresIn?: number };
    ChallengeName?: string;
    Session?: string;
  };

  function step(email: string, answer: Answer, refreshToken?: string): SignInStep {
    const result = answer.AuthenticationResult;
    if (result) {
      const session: Session = {
        email,
        accessToken: result.AccessToken,
        idToken: result.IdToken,
        refreshToken: result.RefreshToken ?? refreshToken ?? "",
        expiresAt: Date.now() + (result.ExpiresIn ?? 3600) * 1000,
      };
      return { kind: "signed-in", session };
    }
    if (answer.ChallengeName === "NEW_PASSWORD_REQUIRED" && answer.Session) return { kind: "new-password", email, challenge: answer.Session };
    if (answer.ChallengeName === "SOFTWARE_TOKEN_MFA" && answer.Session) return { kind: "totp", email, challenge: answer.Session };
    throw new SignInError("unsupported", "This account needs a sign-in step this app does not offer: ask your administrator.");
  }

  return {
    async signIn(email: string, password: string): Promise<SignInStep> {
      const answer = await call<Answer>(
        "InitiateAuth",
        { AuthFlow: "USER_PASSWORD_AUTH", ClientId: settings.clientId, AuthParameters: { USERNAME: email, PASSWORD: password } },
        "sign-in",
      );
      return step(email, answer);
    },

    /** The first sign-in of an admin-created user: replace the temporary password. */
    async setNewPassword(email: string, challenge: string, newPassword: string): Promise<SignInStep> {
      const answer = await call<Answer>(
        "RespondToAuthChallenge",
        { ChallengeName: "NEW_PASSWORD_REQUIRED", ClientId: settings.clientId, Session: challenge, ChallengeResponses: { USERNAME: email, NEW_PASSWORD: newPassword } },
        "challenge",
      );
      return step(email, answer);
    },

    async answerTotp(email: string, challenge: string, code: string): Promise<SignInStep> {
      const answer = await call<Answer>(
        "RespondToAuthChallenge",
        { ChallengeName: "SOFTWARE_TOKEN_MFA", ClientId: settings.clientId, Session: challenge, ChallengeResponses: { USERNAME: email, SOFTWARE_TOKEN_MFA_CODE: code } },
        "challenge",
      );
      return step(email, answer);
    },

    /** New access and id tokens; the refresh token stays the same. */
    async refresh(session: Session): Promise<Session> {
      const answer = await call<Answer>(
        "InitiateAuth",
        { AuthFlow: "REFRESH_TOKEN_AUTH", ClientId: settings.clientId, AuthParameters: { REFRESH_TOKEN: session.refreshToken } },
        "sign-in",
      );
      const next = step(session.email, answer, session.refreshToken);
      if (next.kind !== "signed-in") throw new SignInError("unsupported", "Sign in again.");
      return next.session;
    },

    /** Ends the refresh token's life at Cognito too (best effort: signing out must always work). */
    async revoke(session: Session): Promise<void> {
      await call("RevokeToken", { ClientId: settings.clientId, Token: session.refreshToken }, "sign-in").catch(() => undefined);
    },
  };
}

export type CognitoClient = ReturnType<typeof createCognitoClient>;
