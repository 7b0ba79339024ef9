import { TENANT_PATTERN, type AuthConfig } from "@vos/core/auth";
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from "jose";
import { authErrors } from "./auth-errors.js";
import { cognitoTenantLookup, type TenantLookup } from "./tenant-lookup.js";

/** Who a verified token belongs to. */
export interface Caller {
  sub: string;
  tenant: string;
}

export type VerifyToken = (token: string) => Promise<Caller>;

/** A lower-case UUID is a valid tenant id as it is; anything else is refused rather than mangled. */
function tenantOf(claim: unknown, sub: string): string {
  const tenant = typeof claim === "string" && claim !== "" ? claim : sub.toLowerCase();
  if (!TENANT_PATTERN.test(tenant)) throw authErrors.invalid("The token's tenant is not a valid tenant id.");
  return tenant;
}

/**
 * Verifies Cognito user pool tokens: RS256 signature by one of the pool's keys, issuer, expiry,
 * and the app client (access tokens carry it as `client_id`, id tokens as `aud`). The tenant is
 * the user's immutable `custom:tenant`, else their `sub`. Id tokens carry custom attributes;
 * access tokens do not, so for those the attribute is looked up once per user (it never changes).
 */
export function createJwtVerifier(auth: AuthConfig, options: { lookup?: TenantLookup } = {}): VerifyToken {
  const keys = createRemoteJWKSet(new URL(auth.jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 5_000 });
  const lookup = options.lookup ?? cognitoTenantLookup(auth.endpoint);

  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, { issuer: auth.issuer, algorithms: ["RS256"], requiredClaims: ["sub", "exp", "token_use"] }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw authErrors.expired();
      // The keys could not be fetched (network, timeout, a non-200 answer): not the caller's fault.
      if (error instanceof errors.JWKSTimeout || error instanceof TypeError || (error instanceof errors.JOSEError && error.code === "ERR_JOSE_GENERIC")) {
        throw authErrors.unavailable();
      }
      throw authErrors.signInInvalid();
    }
    const sub = String(payload.sub);
    if (payload.token_use === "access") {
      if (payload.client_id !== auth.clientId) throw authErrors.invalid("The token was issued to another application.");
      return { sub, tenant: tenantOf(await lookup(token, sub), sub) };
    }
    if (payload.token_use === "id") {
      const audience = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      if (!audience.includes(auth.clientId)) throw authErrors.invalid("The token was issued to another application.");
      return { sub, tenant: tenantOf(payload["custom:tenant"], sub) };
    }
    throw authErrors.invalid("Send an access or id token.");
  };
}
