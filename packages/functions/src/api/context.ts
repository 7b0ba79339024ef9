import type { Services } from "@vos/core";
import type { AuthConfig } from "@vos/core/auth";
import type { Context } from "hono";
import type { VerifyToken } from "./jwt.js";

/** What every route needs: the runtime's services and the caller's tenant. */
export interface ApiOptions {
  services: Services;
  /** The caller's tenant without sign-in; with `jwt`, the verified token's tenant takes its place. */
  tenantOf(c: Context): string | Promise<string>;
  /** Largest image accepted for image search, in bytes. */
  maxImageBytes?: number;
  /** When set, every route but `GET /api/health` and `GET /api/auth` needs `Authorization: Bearer <apiToken>`. */
  apiToken?: string;
  /**
   * Sign-in with a Cognito user pool: every route but the open ones needs one of its JWTs, and
   * each caller works in their own tenant. `verify` replaces the verifier built from `auth` (tests).
   */
  jwt?: { auth: AuthConfig; verify?: VerifyToken };
}
