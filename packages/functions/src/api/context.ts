import type { Services } from "@vos/core";
import type { Context } from "hono";

/** What every route needs: the runtime's services and the caller's tenant. */
export interface ApiOptions {
  services: Services;
  tenantOf(c: Context): string | Promise<string>;
  /** Largest image accepted for image search, in bytes. */
  maxImageBytes?: number;
  /** When set, every route but `GET /api/health` needs `Authorization: Bearer <apiToken>`. */
  apiToken?: string;
}
