import { ApiError } from "@vos/contract";
import { createCognitoClient, type SignInStep } from "../auth/cognito.js";
import { createTokenStore } from "../auth/token-store.js";
import { createClient } from "../client.js";
import { apiUrl } from "../connect.js";
import { createPrompter } from "../prompt.js";

/** The API `vos login` and `vos logout` are about: VOS_API_URL, required. */
export function signInApi(env: NodeJS.ProcessEnv): string {
  const api = apiUrl(env);
  if (!api) {
    throw new ApiError(
      "auth.no_api",
      "Sign-in is for a server: set VOS_API_URL to its address (e.g. https://abc123.execute-api.eu-west-1.amazonaws.com). Without it vos works on the local data folder and needs no sign-in.",
      0,
    );
  }
  return api;
}

export interface LoginOptions {
  email?: string;
  /** The password is the first line of stdin (scripts); VOS_PASSWORD also works. */
  passwordStdin: boolean;
}

/**
 * Signs in to the API's Cognito user pool (USER_PASSWORD_AUTH through Cognito's JSON API), with
 * the first sign-in's new password and a TOTP code when asked, and stores the tokens for this API
 * in the config folder, readable by the user only. Every later command sends them.
 */
export async function login(env: NodeJS.ProcessEnv, options: LoginOptions): Promise<void> {
  const api = signInApi(env);
  const method = await createClient(api, (request) => fetch(request)).signInMethod();
  if (method.kind === "none") throw new ApiError("auth.no_sign_in", `The API at ${api} does not sign people in: every command works without vos login.`, 0);
  if (method.kind === "token") throw new ApiError("auth.token_only", `The API at ${api} takes an access token, not a sign-in: set VOS_API_TOKEN to the server's token.`, 0);
  if (!method.clientId || !method.endpoint) throw new ApiError("auth.misconfigured", `The API at ${api} names no user pool client to sign in with: ask its administrator.`, 0);
  const settings = { clientId: method.clientId, endpoint: method.endpoint };
  const cognito = createCognitoClient(settings);
  const prompter = createPrompter();
  try {
    const email = (options.email ?? (await prompter.ask("Email: "))).trim();
    if (!email) throw new ApiError("auth.email_required", "Give the email address you sign in with (--email or at the prompt).", 0);
    const password = env.VOS_PASSWORD || (await prompter.askSecret("Password: "));
    if (!password) throw new ApiError("auth.password_required", "Give your password (at the prompt, VOS_PASSWORD, or a line on stdin with --password-stdin).", 0);

    let step: SignInStep = await cognito.signIn(email, password);
    // Cognito asks at most a new password and then a code; a few rounds cover both.
    for (let round = 0; step.kind !== "signed-in" && round < 3; round++) {
      if (step.kind === "new-password") {
        process.stderr.write("This is your first sign-in: choose a new password.\n");
        const first = await prompter.askSecret("New password: ");
        const again = await prompter.askSecret("New password again: ");
        if (first !== again) throw new ApiError("auth.password_mismatch", "The two new passwords differ: run vos login again.", 0);
        step = await cognito.setNewPassword(email, step.session, first);
      } else {
        const code = (await prompter.ask("Code from your authenticator app: ")).trim();
        step = await cognito.answerTotp(email, step.session, code);
      }
    }
    if (step.kind !== "signed-in") throw new ApiError("auth.unsupported_challenge", "Sign-in kept asking for more steps: ask your administrator.", 0);
    await createTokenStore(env).save({ apiUrl: api, email, ...settings, ...step.tokens });
    process.stdout.write(`Signed in to ${api} as ${email}.\n`);
  } finally {
    prompter.close();
  }
}

/** Deletes the stored sign-in for the API (and ends its refresh token at Cognito, best effort). */
export async function logout(env: NodeJS.ProcessEnv): Promise<void> {
  const api = signInApi(env);
  const store = createTokenStore(env);
  const stored = await store.load(api);
  if (stored?.refreshToken) await createCognitoClient(stored).revoke(stored.refreshToken);
  const removed = await store.remove(api);
  process.stdout.write(removed ? `Signed out of ${api}: its stored sign-in is deleted.\n` : `Not signed in to ${api}: nothing to delete.\n`);
}
