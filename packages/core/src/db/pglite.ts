import { PGlite, type Transaction } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import type { Database, DatabaseHandle, SqlClient } from "./database.js";
import { MIGRATIONS_FOLDER } from "./migrate.js";
import * as schema from "./schema.js";

function clientOf(pg: PGlite | Transaction): SqlClient {
  return {
    async query<T>(text: string, params?: unknown[]) {
      return (await pg.query<T>(text, params)).rows;
    },
    async transaction<T>(work: (sql: SqlClient) => Promise<T>) {
      if (!("transaction" in pg)) return work(clientOf(pg));
      return pg.transaction((tx) => work(clientOf(tx)));
    },
  };
}

/**
 * PGlite (Postgres in WebAssembly) with pgvector, persisted in `dataDir` (in memory when
 * omitted). Migrations are applied before it is returned. Only one process may open a data
 * folder at a time: callers hold the data-folder lock. `loadDataDir` starts from a dump (the
 * benchmarks' cached databases).
 */
export async function openPglite(dataDir?: string, options: { loadDataDir?: Blob } = {}): Promise<DatabaseHandle & { pg: PGlite }> {
  const pg = await PGlite.create({ ...(dataDir ? { dataDir } : {}), ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}), extensions: { vector } });
  const db = drizzle({ client: pg, schema });
  await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return {
    driver: "pglite",
    pg,
    db: db as unknown as Database,
    sql: clientOf(pg),
    close: () => pg.close(),
  };
}
