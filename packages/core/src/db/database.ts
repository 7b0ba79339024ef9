import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type * as schema from "./schema.js";

/** The drizzle database every domain module takes; PGlite and postgres.js both satisfy it. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Raw SQL for adapters that own their tables (vector index, embedded queue). */
export interface SqlClient {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs `work` in one transaction; queries inside go through the given client. */
  transaction<T>(work: (sql: SqlClient) => Promise<T>): Promise<T>;
}

export interface DatabaseHandle {
  readonly driver: "pglite" | "postgres";
  readonly db: Database;
  readonly sql: SqlClient;
  close(): Promise<void>;
}
