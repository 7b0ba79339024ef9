import { z } from "zod";

/** A tenant id: what VOS_TENANT accepts, and what a token's tenant must look like. */
export const TENANT_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Sign-in with a Cognito user pool, read by both runtimes: the API then takes JWTs from that pool
 * and each caller's tenant from their token. Each key is the environment variable's name.
 */
export const AUTH_SETTINGS = {
  VOS_AUTH: z
    .enum(["cognito", "off"])
    .optional()
    .describe("how API callers sign in: cognito (JWTs of a Cognito user pool, a tenant per user) or off (no sign-in, every caller is VOS_TENANT)"),
  VOS_AUTH_ISSUER: z
    .url()
    .transform((value) => value.replace(/\/+$/, ""))
    .optional()
    .describe("issuer of the accepted JWTs: https://cognito-idp.<region>.amazonaws.com/<user pool id>"),
  VOS_AUTH_CLIENT_ID: z
    .string()
    .regex(/^[\w+]{1,128}$/, "expected a user pool app client id")
    .optional()
    .describe("user pool app client the tokens must be issued to"),
  VOS_AUTH_JWKS_URL: z.url().optional().describe("the issuer's signing keys (default: <issuer>/.well-known/jwks.json)"),
  VOS_AUTH_ENDPOINT: z.url().optional().describe("Cognito API for sign-in and user look-ups (default: https://cognito-idp.<region>.amazonaws.com/)"),
};

type AuthSettings = z.output<z.ZodObject<typeof AUTH_SETTINGS>>;

/** Where the API checks tokens and the web signs in. */
export interface AuthConfig {
  issuer: string;
  clientId: string;
  jwksUrl: string;
  /** Cognito's JSON API (InitiateAuth, GetUser). */
  endpoint: string;
  region: string;
}

/**
 * The region of a user pool: its id starts with it (`eu-west-1_AbC123`), whatever host the issuer
 * has (an emulator's included).
 */
export function regionOfIssuer(issuer: string): string | undefined {
  const poolId = new URL(issuer).pathname.split("/").filter(Boolean).at(-1) ?? "";
  const match = /^([a-z0-9-]+)_.+$/.exec(poolId);
  return match?.[1];
}

/**
 * Reads the sign-in settings. `kind` is what applies when VOS_AUTH is unset. Returns the
 * configuration, or the variables that are missing for it (the caller names them at start-up).
 */
export function readAuth(c: AuthSettings, defaultKind: "cognito" | "off"): { auth?: AuthConfig; missing: Array<"VOS_AUTH_ISSUER" | "VOS_AUTH_CLIENT_ID"> } {
  if ((c.VOS_AUTH ?? defaultKind) === "off") return { missing: [] };
  const missing = (["VOS_AUTH_ISSUER", "VOS_AUTH_CLIENT_ID"] as const).filter((name) => c[name] === undefined);
  if (!c.VOS_AUTH_ISSUER || !c.VOS_AUTH_CLIENT_ID) return { missing };
  const region = regionOfIssuer(c.VOS_AUTH_ISSUER) ?? "us-east-1";
  return {
    missing,
    auth: {
      issuer: c.VOS_AUTH_ISSUER,
      clientId: c.VOS_AUTH_CLIENT_ID,
      jwksUrl: c.VOS_AUTH_JWKS_URL ?? `${c.VOS_AUTH_ISSUER}/.well-known/jwks.json`,
      endpoint: c.VOS_AUTH_ENDPOINT ?? `https://cognito-idp.${region}.amazonaws.com/`,
      region,
    },
  };
}
