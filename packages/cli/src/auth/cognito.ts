/**
 * Sign-in to a Cognito user pool through its JSON API (what the AWS SDK sends), with plain fetch:
 * USER_PASSWORD_AUTH, the new-password challenge of admin-created users, TOTP codes, and
 * REFRESH_TOKEN_AUTH.
 */
import { ApiError } from "@vos/contract";

export interface CognitoSettings {
  clientId: string;
  /** Cognito's JSON API, e.g. https://cognito-idp.eu-west-1.amazonaws.com/ */
  endpoint: string;
}

export interface Tokens {
  accessToken: string;
  idToken: string;
  refreshToken: string;
  /** When the access token expires, in ms since the epoch. */
  expiresAt: number;
}

/** Signed in, or Cognito asks one more question first. */
export type SignInStep =
  | { kind: "signed-in"; tokens: Tokens }
  | { kind: "new-password"; session: string }
  | { kind: "totp"; session: string };

type During = "sign-in" | "challenge" | "refresh";

/** Cognito's error types as codes and messages a person can act on. */
function errorFor(type: string, message: string, during: During): ApiError {
  switch (type) {
    case "NotAuthorizedException":
    case "UserNotFoundException":
      if (during === "refresh") return new ApiError("auth.login_required", "Your sign-in has expired: run `vos login` again.", 401);
      if (during === "challenge") return new ApiError("auth.challenge_expired", "This sign-in took too long or was refused: run `vos login` again.", 401);
      return new ApiError("auth.wrong_password", "Wrong email or password.", 401);
    case "InvalidPasswordException":
      // Cognito uses it for a new password that breaks the policy (an emulator also for a wrong one).
      return during === "challenge"
        ? new ApiError("auth.password_rejected", `That password is not allowed: ${message.replace(/^Password does not conform to policy: /, "")}`, 400)
        : new ApiError("auth.wrong_password", "Wrong email or password.", 401);
    case "CodeMismatchException":
    case "ExpiredCodeException":
      return new ApiError("auth.wrong_code", "That code is wrong or has expired: enter the current code from your authenticator app.", 401);
    case "PasswordResetRequiredException":
      return new ApiError("auth.reset_required", "Your password has to be reset: ask your administrator.", 403);
    case "UserNotConfirmedException":
      return new ApiError("auth.not_confirmed", "This account is not confirmed yet: ask your administrator.", 403);
    case "TooManyRequestsException":
    case "LimitExceededException":
    case "TooManyFailedAttemptsException":
      return new ApiError("auth.too_many_attempts", "Too many attempts: wait a minute, then try again.", 429);
    default:
      return new ApiError("auth.failed", `Sign-in failed (${type || "no reason given"}${message ? `: ${message}` : ""}).`, 0);
  }
}

export function createCognitoClient(settings: CognitoSettings) {
  async function call<T>(action: string, body: Record<string, unknown>, during: During): Promise<T> {
    let response: Response;
    try {
      response = await fetch(settings.endpoint, {
        method: "POST",
        headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `AWSCognitoIdentityProviderService.${action}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new ApiError("auth.unreachable", `Cannot reach the sign-in service at ${settings.endpoint}: ${error instanceof Error ? error.message : String(error)}`, 0);
    }
    const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) throw errorFor(String(answer.__type ?? answer.code ?? "").split("#").pop() ?? "", String(answer.message ?? ""), during);
    return answer as T;
  }

  type Answer = {
    AuthenticationResult?: { AccessToken: string; IdToken: string; RefreshToken?: string; ExpiresIn?: number };
    ChallengeName?: string;
    Session?: string;
  };

  function step(answer: Answer, refreshToken?: string): SignInStep {
    const result = answer.AuthenticationResult;
    if (result) {
      return {
        kind: "signed-in",
        tokens: {
          accessToken: result.AccessToken,
          idToken: result.IdToken,
          refreshToken: result.RefreshToken ?? refreshToken ?? "",
          expiresAt: Date.now() + (result.ExpiresIn ?? 3600) * 1000,
        },
      };
    }
    if (answer.ChallengeName === "NEW_PASSWORD_REQUIRED" && answer.Session) return { kind: "new-password", session: answer.Session };
    if (answer.ChallengeName === "SOFTWARE_TOKEN_MFA" && answer.Session) return { kind: "totp", session: answer.Session };
    throw new ApiError("auth.unsupported_challenge", `This account needs a sign-in step vos does not offer (${answer.ChallengeName ?? "unknown"}): ask your administrator.`, 0);
  }

  const respond = async (email: string, session: string, challenge: string, responses: Record<string, string>) =>
    step(
      await call<Answer>(
        "RespondToAuthChallenge",
        { ChallengeName: challenge, ClientId: settings.clientId, Session: session, ChallengeResponses: { USERNAME: email, ...responses } },
        "challenge",
      ),
    );

  return {
    async signIn(email: string, password: string): Promise<SignInStep> {
      const answer = await call<Answer>(
        "InitiateAuth",
        { AuthFlow: "USER_PASSWORD_AUTH", ClientId: settings.clientId, AuthParameters: { USERNAME: email, PASSWORD: password } },
        "sign-in",
      );
      return step(answer);
    },
    /** The first sign-in of an admin-created user: replace the temporary password. */
    setNewPassword: (email: string, session: string, password: string) => respond(email, session, "NEW_PASSWORD_REQUIRED", { NEW_PASSWORD: password }),
    answerTotp: (email: string, session: string, code: string) => respond(email, session, "SOFTWARE_TOKEN_MFA", { SOFTWARE_TOKEN_MFA_CODE: code }),

    /** New access and id tokens; the refresh token stays the same. */
    async refresh(refreshToken: string): Promise<Tokens> {
      const answer = await call<Answer>(
        "InitiateAuth",
        { AuthFlow: "REFRESH_TOKEN_AUTH", ClientId: settings.clientId, AuthParameters: { REFRESH_TOKEN: refreshToken } },
        "refresh",
      );
      const next = step(answer, refreshToken);
      if (next.kind !== "signed-in") throw new ApiError("auth.login_required", "Your sign-in needs renewing: run `vos login` again.", 401);
      return next.tokens;
    },

    /** Ends the refresh token's life at Cognito too; best effort, signing out must always work. */
    async revoke(refreshToken: string): Promise<void> {
      await call("RevokeToken", { ClientId: settings.clientId, Token: refreshToken }, "refresh").catch(() => undefined);
    },
  };
}

export type CognitoClient = ReturnType<typeof createCognitoClient>;
