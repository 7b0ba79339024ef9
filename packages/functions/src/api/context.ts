import type { Services } from "@vos/core";
import type { AuthConfig } from "@vos/core/auth";
import type { Context } from "hono";
import type { VerifyToken } from "./jwt.js";

/** What every route needs: the runtime's services and the caller's tenant. */
export interface ApiOptions {
  services: Services;
  /** The caller's tenant without sign-in; with `jwt`, the verified token's tenant takes its place. */
  tenantOf(c: Context): string | Promise<string>;
  /** Largest picture accepted for image search, in bytes (default DEFAULT_MAX_IMAGE_BYTES). */
  maxImageBytes?: number;
  /** When set, every route but `GET /api/health` and `GET /api/auth` needs `Authorization: Bearer <apiToken>`. */
  apiToken?: string;
  /**
   * Sign-in with a Cognito user pool: every route but the open ones needs one of its JWTs, and
   * each caller works in their own tenant. `verify` replaces the verifier built from `auth` (tests).
   */
  jwt?: { auth: AuthConfig; verify?: VerifyToken };
}

/** The picture limit where nothing in front of the app caps the body (`vos serve`). */
export const DEFAULT_MAX_IMAGE_BYTES = 20 * 1024 * 1024;

/** What the multipart framing and the other form fields (videoId, limit, minScore, kinds) may add. */
export const FORM_OVERHEAD_BYTES = 16 * 1024;

/**
 * The picture limit behind API Gateway's HTTP API on Lambda. A synchronous invocation carries at
 * most 6 MiB of event JSON, the gateway base64-encodes a binary body (4/3 growth), and the
 * event's envelope (request context, headers with a Cognito JWT) needs room too:
 *   (6,291,456 - 65,536 envelope) * 3/4 = 4,669,440 bytes of multipart body
 *   4,669,440 - 16,384 form overhead    = 4,653,056 bytes of picture (4.4 MiB)
 * rounded down to 4 MiB, so the limit reads plainly and the margin absorbs larger headers.
 * A bigger body never reaches the app: the gateway answers its own error instead.
 */
export const LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024;
export const LAMBDA_EVENT_ENVELOPE_BYTES = 64 * 1024;
export const LAMBDA_MAX_IMAGE_BYTES = 4 * 1024 * 1024;
