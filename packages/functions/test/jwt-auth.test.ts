/**
 * Sign-in with user pool JWTs, against a real Cognito protocol emulator (cognito-local): real
 * tokens from USER_PASSWORD_AUTH, the emulator's key set, and forged tokens for every way a
 * token can be wrong.
 */
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { loadConfig, Video } from "@vos/core";
import type { AuthConfig } from "@vos/core/auth";
import { startEmbeddedRuntime, type EmbeddedRuntime } from "@vos/core/runtime/embedded";
import { decodeJwt, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCognitoLocal, type CognitoLocal, type Tokens } from "../../core/test/support/cognito-local.js";
import { createApi } from "../src/api/app.js";

let dir: string;
let runtime: EmbeddedRuntime;
let cognito: CognitoLocal;
let auth: AuthConfig;
let api: ReturnType<typeof createApi>;
let alice: { sub: string; tokens: Tokens };
let bob: { sub: string; tokens: Tokens };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vos-jwt-"));
  [runtime, cognito] = await Promise.all([
    startEmbeddedRuntime(loadConfig({ VOS_DATA_DIR: dir, VOS_LOG_LEVEL: "silent" }), { workers: false }),
    startCognitoLocal(),
  ]);
  auth = { issuer: cognito.issuer, clientId: cognito.clientId, jwksUrl: cognito.jwksUrl, endpoint: cognito.endpoint, region: "local" };
  api = createApi({ services: runtime.services, tenantOf: () => "local", serveFiles: true, jwt: { auth } });
  const [a, b] = await Promise.all([
    cognito.createUser({ email: "alice@example.com", password: "Alice-Passw0rd!", tenant: "acme" }),
    cognito.createUser({ email: "bob@example.com", password: "Bob-Passw0rd!" }),
  ]);
  alice = { sub: a.sub, tokens: a.tokens! };
  bob = { sub: b.sub, tokens: b.tokens! };
}, 60_000);
afterAll(async () => {
  await Promise.allSettled([runtime?.close(), cognito?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
async function problem(response: Response) {
  return { status: response.status, code: ((await response.json()) as { code: string }).code, challenge: response.headers.get("www-authenticate") };
}
const newVideo = (token: string, title: string) =>
  api.request("/api/videos", {
    method: "POST",
    headers: { ...bearer(token), "content-type": "application/json" },
    body: JSON.stringify({ filename: `${title}.mp4`, sizeBytes: 1000, contentType: "video/mp4", title }),
  });
const titles = async (token: string) => {
  const response = await api.request("/api/videos", { headers: bearer(token) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { videos: Array<{ title: string }> }).videos.map((v) => v.title);
};

/** The emulator's own signing key (shipped in the package), to make tokens it could have made. */
async function emulatorKey() {
  const require = createRequire(import.meta.url);
  const file = require.resolve("cognito-local/lib/keys/cognitoLocal.private.json");
  const { jwk } = JSON.parse(await readFile(file, "utf8")) as { jwk: JWK };
  return { key: await importJWK(jwk, "RS256"), kid: jwk.kid! };
}

async function forge(claims: JWTPayload, options: { key?: Parameters<SignJWT["sign"]>[0]; kid?: string; expiresAt?: number } = {}) {
  const own = await emulatorKey();
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ token_use: "access", client_id: cognito.clientId, sub: alice.sub, ...claims })
    .setProtectedHeader({ alg: "RS256", kid: options.kid ?? own.kid })
    .setIssuer((claims.iss as string | undefined) ?? cognito.issuer)
    .setIssuedAt(now - 60)
    .setExpirationTime(options.expiresAt ?? now + 600)
    .sign(options.key ?? own.key);
}

describe("sign-in with user pool JWTs", () => {
  it("keeps health and the sign-in description open, and says how to sign in", async () => {
    expect((await api.request("/api/health")).status).toBe(200);
    const described = await api.request("/api/auth");
    expect(described.status).toBe(200);
    expect(await described.json()).toEqual({ kind: "cognito", region: "local", clientId: cognito.clientId, endpoint: cognito.endpoint });
  });

  it("accepts a real access token and works in the tenant the user was created with", async () => {
    expect(decodeJwt(alice.tokens.AccessToken)).toMatchObject({ token_use: "access", client_id: cognito.clientId });
    expect((await newVideo(alice.tokens.AccessToken, "alice-1")).status).toBe(201);
    expect((await Video.list(runtime.services, "acme")).map((v) => v.title)).toContain("alice-1");
    expect((await Video.list(runtime.services, "local")).map((v) => v.title)).not.toContain("alice-1");
  });

  it("accepts the id token as the same user, in the same tenant", async () => {
    expect(decodeJwt(alice.tokens.IdToken)).toMatchObject({ token_use: "id", aud: cognito.clientId, "custom:tenant": "acme" });
    expect((await newVideo(alice.tokens.IdToken, "alice-2")).status).toBe(201);
    expect((await Video.list(runtime.services, "acme")).map((v) => v.title)).toEqual(expect.arrayContaining(["alice-1", "alice-2"]));
  });

  it("gives a user without a tenant attribute a tenant of their own: their sub", async () => {
    expect((await newVideo(bob.tokens.AccessToken, "bob-1")).status).toBe(201);
    expect((await Video.list(runtime.services, bob.sub.toLowerCase())).map((v) => v.title)).toEqual(["bob-1"]);
  });

  it("shows each user only their own videos", async () => {
    await newVideo(alice.tokens.AccessToken, "alice-3");
    await newVideo(bob.tokens.AccessToken, "bob-2");
    const seenByAlice = await titles(alice.tokens.AccessToken);
    const seenByBob = await titles(bob.tokens.AccessToken);
    expect(seenByAlice).toContain("alice-3");
    expect(seenByAlice.some((t) => t.startsWith("bob-"))).toBe(false);
    expect(seenByBob).toEqual(expect.arrayContaining(["bob-1", "bob-2"]));
    expect(seenByBob.some((t) => t.startsWith("alice-"))).toBe(false);
  });

  it("serves a user's stored files with the token as ?token=, and no one else's", async () => {
    const own = "acme/videos/vid_jwt/frames/000001.jpg";
    await runtime.services.blobs.put(own, Readable.from([Buffer.from("jpeg bytes")]), { contentType: "image/jpeg" });
    expect((await api.request(`/api/files/${own}?token=${alice.tokens.AccessToken}`)).status).toBe(200);
    expect((await api.request(`/api/files/${own}?token=${bob.tokens.AccessToken}`)).status).toBe(404);
    expect((await problem(await api.request(`/api/files/${own}`))).code).toBe("auth.missing");
  });

  it("answers a request without a token 401 auth.missing with a Bearer challenge", async () => {
    for (const url of ["/api/videos", "/api/openapi.json", "/api/nope"]) {
      expect(await problem(await api.request(url)), url).toEqual({ status: 401, code: "auth.missing", challenge: 'Bearer realm="vos"' });
    }
  });

  it.each([
    ["a malformed header", { authorization: "Basic YWxpY2U6cGFzc3dvcmQ=" }],
    ["a token that is not a JWT", bearer("not-a-jwt")],
  ])("answers %s 401 auth.invalid", async (_, headers) => {
    expect(await problem(await api.request("/api/videos", { headers }))).toMatchObject({ status: 401, code: "auth.invalid", challenge: expect.stringContaining("Bearer") });
  });

  it("answers an expired token 401 auth.expired", async () => {
    const expired = await forge({}, { expiresAt: Math.floor(Date.now() / 1000) - 5 });
    expect(await problem(await api.request("/api/videos", { headers: bearer(expired) }))).toEqual({
      status: 401,
      code: "auth.expired",
      challenge: expect.stringContaining('error="invalid_token"'),
    });
  });

  it("accepts a token it forged with the emulator's key, so the refusals below are for what they change", async () => {
    expect((await api.request("/api/videos", { headers: bearer(await forge({ "custom:tenant": "acme" })) })).status).toBe(200);
  });

  it.each<[string, () => Promise<string>]>([
    ["signed with another key under the pool's key id", async () => forge({}, { key: (await generateKeyPair("RS256")).privateKey })],
    ["signed with a key the pool does not have", async () => forge({}, { key: (await generateKeyPair("RS256")).privateKey, kid: "someone-else" })],
    ["from another issuer", () => forge({ iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other" })],
    ["for another app client (access token)", () => forge({ client_id: "another-client" })],
    ["for another app client (id token)", () => forge({ token_use: "id", client_id: undefined, aud: "another-client" })],
    ["of no known use", () => forge({ token_use: "refresh" })],
    ["naming an invalid tenant", () => forge({ token_use: "id", aud: cognito.clientId, "custom:tenant": "Not A Tenant" })],
    ["with a tampered payload", async () => {
      const [header, , signature] = alice.tokens.AccessToken.split(".");
      const payload = Buffer.from(JSON.stringify({ ...decodeJwt(alice.tokens.AccessToken), sub: bob.sub })).toString("base64url");
      return `${header}.${payload}.${signature}`;
    }],
    ["with a tampered signature", async () => {
      const [header, payload, signature] = alice.tokens.AccessToken.split(".");
      const flipped = Buffer.from(signature!, "base64url");
      flipped[0]! ^= 0xff;
      return `${header}.${payload}.${flipped.toString("base64url")}`;
    }],
    ["that is the refresh token", async () => alice.tokens.RefreshToken],
  ])("refuses a token %s: 401 auth.invalid", async (_, token) => {
    expect(await problem(await api.request("/api/videos", { headers: bearer(await token()) }))).toEqual({
      status: 401,
      code: "auth.invalid",
      challenge: 'Bearer realm="vos", error="invalid_token"',
    });
  });

  it("refuses a second app client's real tokens", async () => {
    const other = await cognito.call<{ UserPoolClient: { ClientId: string } }>("CreateUserPoolClient", {
      UserPoolId: cognito.poolId,
      ClientName: "other",
      ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH"],
    });
    const { AuthenticationResult } = await cognito.call<{ AuthenticationResult: Tokens }>("InitiateAuth", {
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: other.UserPoolClient.ClientId,
      AuthParameters: { USERNAME: "alice@example.com", PASSWORD: "Alice-Passw0rd!" },
    });
    for (const token of [AuthenticationResult.AccessToken, AuthenticationResult.IdToken]) {
      expect((await problem(await api.request("/api/videos", { headers: bearer(token) }))).code).toBe("auth.invalid");
    }
  });

  it("answers 503 auth.unavailable when the pool's keys cannot be fetched, and keeps health open", async () => {
    const unreachable = createApi({
      services: runtime.services,
      tenantOf: () => "local",
      jwt: { auth: { ...auth, jwksUrl: "http://127.0.0.1:9/keys.json" } },
    });
    expect(await problem(await unreachable.request("/api/videos", { headers: bearer(alice.tokens.AccessToken) }))).toMatchObject({ status: 503, code: "auth.unavailable" });
    expect((await unreachable.request("/api/health")).status).toBe(200);
  });

  it("lets the served web app reach the Cognito endpoint, and nothing else new", async () => {
    const policy = (await api.request("/api/health")).headers.get("content-security-policy") ?? "";
    expect(policy).toContain(`connect-src 'self' ${new URL(cognito.endpoint).origin};`);
  });
});
