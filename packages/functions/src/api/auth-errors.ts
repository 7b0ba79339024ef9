import { VisibleError } from "@vos/core";

/** The API's sign-in failures: 401 with a code the web acts on (ask, refresh, sign in again). */
export const authErrors = {
  missing: () =>
    new VisibleError("auth.missing", "This server needs its access token: send 'Authorization: Bearer <token>' (the CLI sends VOS_API_TOKEN).", 401),
  invalid: (message = "The access token is wrong: use the server's VOS_API_TOKEN.") => new VisibleError("auth.invalid", message, 401),
  expired: () => new VisibleError("auth.expired", "The access token has expired: refresh it or sign in again.", 401),
  signInMissing: () => new VisibleError("auth.missing", "Sign in first: send 'Authorization: Bearer <access token>'.", 401),
  signInInvalid: () => new VisibleError("auth.invalid", "The access token is not valid here: sign in again.", 401),
  /** The user pool could not be reached to check a token: worth retrying, never the caller's fault. */
  unavailable: () => new VisibleError("auth.unavailable", "Sign-in cannot be checked right now; try again in a moment.", 503),
};
