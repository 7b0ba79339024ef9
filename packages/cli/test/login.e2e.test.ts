/**
 * `vos login` and `vos logout` against a real Cognito protocol emulator (cognito-local), with
 * the API served over HTTP and checking its JWTs as on AWS: the first sign-in's new-password
 * challenge, tokens stored owner-only, every command sending them, refresh shortly before expiry
 * and once on a 401, and each way signing in can fail.
 */
import { createHmac } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig, Video } from "@vos/core";
import type { AuthConfig } from "@vos/core/auth";
import { startEmbeddedRuntime, type EmbeddedRuntime } from "@vos/core/runtime/embedded";
import { createApi } from "@vos/functions/api/app";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCognitoLocal, TEMPORARY_PASSWORD, type CognitoLocal } from "../../core/test/support/cognito-local.js";
import { jsonOf, runVos } from "./support/cli.js";
import { serveApi, type ServedApi } from "./support/served-api.js";

const CAROL = { email: "carol@example.com", password: "Carol-Passw0rd!" };
let dir: string;
let runtime: EmbeddedRuntime;
let cognito: CognitoLocal;
let api: ServedApi;
let cli: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vos-login-"));
  [runtime, cognito] = await Promise.all([
    startEmbeddedRuntime(loadConfig({ VOS_DATA_DIR: path.join(dir, "data"), VOS_LOG_LEVEL: "silent" }), { workers: false }),
    startCognitoLocal(),
  ]);
  const auth: AuthConfig = { issuer: cognito.issuer, clientId: cognito.clientId, jwksUrl: cognito.jwksUrl, endpoint: cognito.endpoint, region: "local" };
  api = await serveApi(createApi({ services: runtime.services, tenantOf: () => "local", jwt: { auth } }));
  cli = { VOS_API_URL: api.url, VOS_CONFIG_DIR: path.join(dir, "config") };
  // Created by an administrator: signs in first with the temporary password.
  await cognito.createUser({ email: CAROL.email, password: CAROL.password, tenant: "acme", firstSignIn: false });
}, 60_000);
afterAll(async () => {
  await api?.close();
  await Promise.allSettled([runtime?.close(), cognito?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

const credentialsDir = () => path.join(cli.VOS_CONFIG_DIR!, "credentials");
async function storedFile(): Promise<string | undefined> {
  const names = await readdir(credentialsDir()).catch(() => [] as string[]);
  expect(names.length).toBeLessThanOrEqual(1);
  return names[0] ? path.join(credentialsDir(), names[0]) : undefined;
}
interface Stored {
  apiUrl: string;
  email: string;
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}
const readStored = async () => JSON.parse(await readFile((await storedFile())!, "utf8")) as Stored;
async function editStored(change: Partial<Stored>) {
  const file = (await storedFile())!;
  await writeFile(file, JSON.stringify({ ...(await readStored()), ...change }));
}
/** The current code of an authenticator app (RFC 6238: HMAC-SHA1, 30 s, 6 digits) for a base32 secret. */
function totp(secret: string, at = Date.now()): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of secret.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(char).toString(2).padStart(5, "0");
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30_000)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

const login = (input: string, extra: Record<string, string> = {}) => runVos(["login", "--email", CAROL.email, "--password-stdin"], { ...cli, ...extra }, { input });

describe("vos login against a Cognito user pool", () => {
  it("refuses commands before signing in, and tells how to sign in", async () => {
    const run = await runVos(["videos", "--json"], cli);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error [auth.login_required]: The API at ${api.url}/ needs you to sign in: run \`vos login\`.`);
  });

  it("refuses two different new passwords at the first sign-in, and stores nothing", async () => {
    const run = await login(`${TEMPORARY_PASSWORD}\nFirst-Passw0rd!\nSecond-Passw0rd!\n`);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error [auth.password_mismatch]:");
    expect(await storedFile()).toBeUndefined();
  });

  it("signs in with the new-password challenge and keeps the tokens readable by the user only", async () => {
    const run = await login(`${TEMPORARY_PASSWORD}\n${CAROL.password}\n${CAROL.password}\n`);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`Signed in to ${api.url}/ as ${CAROL.email}.\n`);
    expect(run.stderr).toContain("first sign-in: choose a new password");
    expect(run.stdout + run.stderr).not.toContain(CAROL.password);
    // The new password is the one Cognito now knows.
    await expect(cognito.signIn(CAROL.email, CAROL.password)).resolves.toMatchObject({ AccessToken: expect.any(String) });

    const file = (await storedFile())!;
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(credentialsDir())).mode & 0o777).toBe(0o700);
    expect((await stat(cli.VOS_CONFIG_DIR!)).mode & 0o777).toBe(0o700);
    expect(await readStored()).toMatchObject({ apiUrl: `${api.url}/`, email: CAROL.email, accessToken: expect.stringMatching(/^ey/), refreshToken: expect.any(String) });
  });

  it("sends the stored token with every command, working in the user's tenant", async () => {
    const clip = path.join(dir, "clip.mp4");
    await writeFile(clip, Buffer.alloc(2048, 1));
    const ingested = await runVos(["ingest", clip, "--json"], cli);
    expect(ingested.code, ingested.stderr).toBe(0);
    const [result] = jsonOf<{ videoId: string; status: string }[]>(ingested);
    expect(result!.status).toBe("queued");
    expect((await Video.list(runtime.services, "acme")).map((v) => v.id)).toContain(result!.videoId);
    const listed = await runVos(["videos", "--json"], cli);
    expect(jsonOf<{ id: string }[]>(listed).map((v) => v.id)).toEqual([result!.videoId]);
  });

  it("answers a wrong password with its own code and keeps the sign-in it had", async () => {
    const before = await readStored();
    const run = await login("Not-The-Passw0rd!\n");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error [auth.wrong_password]: Wrong email or password.");
    expect(await readStored()).toEqual(before);
  });

  it("signs in again with the password alone once the account is set up", async () => {
    // Also gives a refresh token the emulator knows: cognito-local forgets the ones it issues
    // with a challenge's answer (Cognito itself accepts both).
    const run = await login(`${CAROL.password}\n`);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain("new password");
  });

  it("refreshes the access token shortly before it expires, and saves the new one", async () => {
    const before = await readStored();
    await editStored({ expiresAt: Date.now() + 30_000 });
    const run = await runVos(["videos", "--json"], cli);
    expect(run.code, run.stderr).toBe(0);
    const after = await readStored();
    expect(after.expiresAt).toBeGreaterThan(Date.now() + 30 * 60_000);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).toBe(before.refreshToken);
    expect((await stat((await storedFile())!)).mode & 0o777).toBe(0o600);
  });

  it("refreshes once when the API refuses the token (401), then sends the request again", async () => {
    await editStored({ accessToken: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", expiresAt: Date.now() + 3600_000 });
    const from = api.requests.length;
    const run = await runVos(["videos", "--json"], cli);
    expect(run.code, run.stderr).toBe(0);
    expect(api.requests.slice(from)).toEqual(["GET /api/videos", "GET /api/videos"]);
    expect((await readStored()).accessToken).toMatch(/^ey.+\..+\..+/);
  });

  it("asks for a new sign-in when the refresh token is refused, and forgets it", async () => {
    await editStored({ accessToken: "expired", refreshToken: "not-a-refresh-token", expiresAt: Date.now() - 1000 });
    const run = await runVos(["videos", "--json"], cli);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error [auth.login_required]: Your sign-in has expired: run `vos login` again.");
    expect(await storedFile()).toBeUndefined();
  });

  it("asks for the authenticator code when the account has one (SOFTWARE_TOKEN_MFA), and refuses a wrong code", async () => {
    const dave = { email: "dave@example.com", password: "Dave-Passw0rd!" };
    const { tokens } = await cognito.createUser({ ...dave, tenant: "acme" });
    await cognito.call("SetUserPoolMfaConfig", { UserPoolId: cognito.poolId, SoftwareTokenMfaConfiguration: { Enabled: true }, MfaConfiguration: "OPTIONAL" });
    const { SecretCode } = await cognito.call<{ SecretCode: string }>("AssociateSoftwareToken", { AccessToken: tokens!.AccessToken });
    await cognito.call("VerifySoftwareToken", { AccessToken: tokens!.AccessToken, UserCode: totp(SecretCode) });
    await cognito.call("SetUserMFAPreference", { AccessToken: tokens!.AccessToken, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } });
    const as = (input: string) => runVos(["login", "--email", dave.email, "--password-stdin"], { ...cli, VOS_CONFIG_DIR: path.join(dir, "dave") }, { input });

    const wrong = await as(`${dave.password}\n000000\n`);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("Code from your authenticator app:");
    expect(wrong.stderr).toContain("error [auth.wrong_code]:");
    const right = await as(`${dave.password}\n${totp(SecretCode)}\n`);
    expect(right.code, right.stderr).toBe(0);
    expect(right.stdout).toBe(`Signed in to ${api.url}/ as ${dave.email}.\n`);
  });

  it("signs in with VOS_PASSWORD, and vos logout deletes the tokens (and says so)", async () => {
    const signedIn = await runVos(["login", "--email", CAROL.email], { ...cli, VOS_PASSWORD: CAROL.password });
    expect(signedIn.code, signedIn.stderr).toBe(0);
    expect(await storedFile()).toBeDefined();

    const out = await runVos(["logout"], cli);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(`Signed out of ${api.url}/: its stored sign-in is deleted.\n`);
    expect(await storedFile()).toBeUndefined();
    expect((await runVos(["videos"], cli)).stderr).toContain("[auth.login_required]");
    const again = await runVos(["logout"], cli);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`Not signed in to ${api.url}/: nothing to delete.\n`);
  });
});
