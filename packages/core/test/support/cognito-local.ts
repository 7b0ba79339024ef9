/**
 * A real Cognito protocol emulator for tests: cognito-local in a child process, on a free port,
 * with its data in a temp folder. It signs RS256 tokens with its own key, serves the key set at
 * `/<userPoolId>/.well-known/jwks.json`, and names `http://127.0.0.1:<port>/<userPoolId>` as issuer.
 * The pool and client are made through Cognito's JSON API, as the AWS SDK would.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const START = path.join(REPO_ROOT, "node_modules/cognito-local/lib/bin/start.js");

export interface Tokens {
  AccessToken: string;
  IdToken: string;
  RefreshToken: string;
  ExpiresIn?: number;
}

export interface CognitoLocal {
  /** Cognito's JSON API endpoint (POST with x-amz-target), with a trailing slash. */
  endpoint: string;
  poolId: string;
  clientId: string;
  issuer: string;
  jwksUrl: string;
  /** One Cognito API call; rejects with `Error(<__type>: <message>)` on a 4xx/5xx. */
  call<T = Record<string, unknown>>(action: string, body: Record<string, unknown>): Promise<T>;
  /**
   * An admin-created user (as `aws cognito-idp admin-create-user` makes them). By default their
   * first sign-in with the temporary password is done here and the new password set, as a user
   * would; `firstSignIn: false` leaves that to the test.
   */
  createUser(user: { email: string; password: string; tenant?: string; firstSignIn?: boolean }): Promise<{ sub: string; tokens?: Tokens }>;
  signIn(email: string, password: string): Promise<Tokens>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** The temporary password of admin-created users before their first sign-in. */
export const TEMPORARY_PASSWORD = "Temporary-Passw0rd!";

export async function startCognitoLocal(options: { clientName?: string } = {}): Promise<CognitoLocal> {
  const dir = await mkdtemp(path.join(tmpdir(), "vos-cognito-"));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}/`;
  const child = spawn(process.execPath, [START], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (chunk) => (log += chunk));
  child.stderr.on("data", (chunk) => (log += chunk));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await fetch(`${endpoint}health`).then((r) => r.ok, () => false);
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`cognito-local did not start:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  async function call<T>(action: string, body: Record<string, unknown>): Promise<T> {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `AWSCognitoIdentityProviderService.${action}` },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${String(answer.__type)}: ${String(answer.message)}`);
    return answer as T;
  }

  const { UserPool } = await call<{ UserPool: { Id: string } }>("CreateUserPool", {
    PoolName: "vos-test",
    UsernameAttributes: ["email"],
    Schema: [{ Name: "tenant", AttributeDataType: "String", Mutable: false }],
  });
  const { UserPoolClient } = await call<{ UserPoolClient: { ClientId: string } }>("CreateUserPoolClient", {
    UserPoolId: UserPool.Id,
    ClientName: options.clientName ?? "web",
    ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
  });
  const poolId = UserPool.Id;
  const clientId = UserPoolClient.ClientId;

  async function signIn(email: string, password: string): Promise<Tokens> {
    const answer = await call<{ AuthenticationResult?: Tokens; ChallengeName?: string }>("InitiateAuth", {
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: clientId,
      AuthParameters: { USERNAME: email, PASSWORD: password },
    });
    if (!answer.AuthenticationResult) throw new Error(`Sign-in asked for ${answer.ChallengeName}`);
    return answer.AuthenticationResult;
  }

  return {
    endpoint,
    poolId,
    clientId,
    issuer: `http://127.0.0.1:${port}/${poolId}`,
    jwksUrl: `http://127.0.0.1:${port}/${poolId}/.well-known/jwks.json`,
    call,
    signIn,
    async createUser({ email, password, tenant, firstSignIn = true }) {
      const { User } = await call<{ User: { Attributes: Array<{ Name: string; Value: string }> } }>("AdminCreateUser", {
        UserPoolId: poolId,
        Username: email,
        TemporaryPassword: TEMPORARY_PASSWORD,
        MessageAction: "SUPPRESS",
        UserAttributes: [
          { Name: "email", Value: email },
          { Name: "email_verified", Value: "true" },
          ...(tenant ? [{ Name: "custom:tenant", Value: tenant }] : []),
        ],
      });
      const sub = User.Attributes.find((a) => a.Name === "sub")!.Value;
      if (!firstSignIn) return { sub };
      const challenge = await call<{ ChallengeName?: string; Session: string }>("InitiateAuth", {
        AuthFlow: "USER_PASSWORD_AUTH",
        ClientId: clientId,
        AuthParameters: { USERNAME: email, PASSWORD: TEMPORARY_PASSWORD },
      });
      if (challenge.ChallengeName !== "NEW_PASSWORD_REQUIRED") throw new Error(`Expected NEW_PASSWORD_REQUIRED, got ${challenge.ChallengeName}`);
      const answer = await call<{ AuthenticationResult: Tokens }>("RespondToAuthChallenge", {
        ChallengeName: "NEW_PASSWORD_REQUIRED",
        ClientId: clientId,
        Session: challenge.Session,
        ChallengeResponses: { USERNAME: email, NEW_PASSWORD: password },
      });
      return { sub, tokens: answer.AuthenticationResult };
    },
    stop,
  };
}
