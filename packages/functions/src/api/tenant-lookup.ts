import { authErrors } from "./auth-errors.js";

/** The user's `custom:tenant` (undefined when they have none), given their access token. */
export type TenantLookup = (accessToken: string, sub: string) => Promise<string | undefined>;

/** Users remembered per function instance; the attribute is immutable, so an entry never goes stale. */
const MAX_CACHED_USERS = 10_000;

/**
 * Asks Cognito's GetUser (authorised by the access token itself, no IAM) for the user's
 * attributes, once per user per function instance.
 */
export function cognitoTenantLookup(endpoint: string, fetchImpl: typeof fetch = (input, init) => fetch(input, init)): TenantLookup {
  const known = new Map<string, string | undefined>();
  return async (accessToken, sub) => {
    if (known.has(sub)) return known.get(sub);
    let response: Response;
    try {
      response = await fetchImpl(endpoint, {
        method: "POST",
        headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AWSCognitoIdentityProviderService.GetUser" },
        body: JSON.stringify({ AccessToken: accessToken }),
        signal: AbortSignal.timeout(5_000),
      });
    } catch {
      throw authErrors.unavailable();
    }
    if (response.status >= 500 || response.status === 429) throw authErrors.unavailable();
    if (!response.ok) throw authErrors.signInInvalid();
    const user = (await response.json()) as { UserAttributes?: Array<{ Name: string; Value?: string }> };
    const tenant = user.UserAttributes?.find((attribute) => attribute.Name === "custom:tenant")?.Value || undefined;
    if (known.size >= MAX_CACHED_USERS) known.delete(known.keys().next().value!);
    known.set(sub, tenant);
    return tenant;
  };
}
