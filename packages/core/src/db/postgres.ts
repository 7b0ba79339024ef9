import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import type { Database, DatabaseHandle, SqlClient } from "./database.js";
import { MIGRATIONS_FOLDER } from "./migrate.js";
import * as schema from "./schema.js";

function clientOf(sql: postgres.Sql | postgres.TransactionSql): SqlClient {
  return {
    async query<T>(text: string, params: unknown[] = []) {
      return (await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as T[];
    },
    async transaction<T>(work: (client: SqlClient) => Promise<T>) {
      if (!("begin" in sql)) return work(clientOf(sql));
      return (await sql.begin((tx) => work(clientOf(tx)))) as T;
    },
  };
}

export interface PostgresOptions {
  /** Pool size: small in Lambda (one request at a time), larger in long-lived workers. */
  max?: number;
  /** Apply migrations on open (local and tests); on AWS a deploy-time script applies them. */
  migrate?: boolean;
}

/** postgres.js to a real PostgreSQL (RDS in production, a throwaway server in CI). */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<DatabaseHandle> {
  const client = postgres(url, { max: options.max ?? 5, onnotice: () => {}, idle_timeout: 20 });
  const db = drizzle({ client, schema });
  if (options.migrate ?? true) await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return {
    driver: "postgres",
    db: db as unknown as Database,
    sql: clientOf(client),
    close: () => client.end({ timeout: 5 }),
  };
}
