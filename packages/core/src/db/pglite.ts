// PGlite belongs to the embedded runtime (@vos/cli installs it); cloud processes never open it,
// so it loads on first use and `@vos/core/db` imports without it (the worker image ships none).
import type { PGlite, Transaction } from "@electric-sql/pglite";
import { VisibleError, errorMessage } from "../error.js";
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
  const { PGlite, vector, drizzle, migrate } = await loadPglite();
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

async function loadPglite() {
  try {
    const [{ PGlite }, { vector }, { drizzle }, { migrate }] = await Promise.all([
      import("@electric-sql/pglite"),
      import("@electric-sql/pglite-pgvector"),
      import("drizzle-orm/pglite"),
      import("drizzle-orm/pglite/migrator"),
    ]);
    return { PGlite, vector, drizzle, migrate };
  } catch (error) {
    throw new VisibleError(
      "db.pglite_missing",
      `PGlite could not be loaded (${errorMessage(error)}): the embedded database comes with @vos/cli's dependencies (@electric-sql/pglite, @electric-sql/pglite-pgvector); run npm install.`,
      503,
      false,
    );
  }
}
