// PGlite belongs to the embedded runtime (@vos/cli installs it); cloud processes never open it,
// so it loads on first use and `@vos/core/db` imports without it (the worker image ships none).
import type { PGlite, Transaction } from "@electric-sql/pglite";
import fs from "node:fs";
import { DATA_FOLDER_HINT, VisibleError, errorMessage, isStorageFull, storageFull, type StoragePlace } from "../error.js";
import { log } from "../log.js";
import type { Database, DatabaseHandle, SqlClient } from "./database.js";
import { MIGRATIONS_FOLDER } from "./migrate.js";
import { copyTemplateFolder, dropTemplate, dropTemplateFolder, isNewFolder, readTemplate, saveTemplate, saveTemplateFolder, templateFile, templateFolder } from "./pglite-template.js";
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
 * benchmarks' cached databases); without it a new database starts from the empty template
 * (./pglite-template.ts): a new folder as a copy of its folder form, a database in memory from
 * its dump. The first one made fresh becomes that template.
 */
export async function openPglite(dataDir?: string, options: { loadDataDir?: Blob } = {}): Promise<DatabaseHandle & { pg: PGlite }> {
  const lib = await loadPglite();
  const folder = options.loadDataDir ? undefined : templateFolder();
  const template = folder && isNewFolder(dataDir) ? templateFile(folder) : undefined;
  if (template && dataDir && copyTemplateFolder(template, dataDir)) {
    try {
      return await start(lib, dataDir);
    } catch (error) {
      if (isStorageFull(error)) throw error;
      log.warn("the empty database folder template did not open; starting from the dump", { template, error });
      dropTemplateFolder(template);
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.mkdirSync(dataDir, { recursive: true });
    }
  }
  const handle = await fromDump(lib, dataDir, template, options.loadDataDir);
  // The next new folder is a file copy (pglite-template.ts).
  if (template && dataDir) saveTemplateFolder(template);
  return handle;
}

/** A database from the template's dump (made from scratch when there is none, or it does not load), or from `loadDataDir`. */
async function fromDump(lib: Awaited<ReturnType<typeof loadPglite>>, dataDir: string | undefined, template: string | undefined, loadDataDir?: Blob) {
  const copy = template ? readTemplate(template) : undefined;
  if (template && copy) {
    try {
      return await start(lib, dataDir, copy);
    } catch (error) {
      if (isStorageFull(error)) throw error;
      log.warn("the empty database template did not load; making the database afresh", { template, error });
      dropTemplate(template);
      if (dataDir) {
        // The folder was new: what the failed load left in it goes.
        fs.rmSync(dataDir, { recursive: true, force: true });
        fs.mkdirSync(dataDir, { recursive: true });
      }
      const fresh = await start(lib, dataDir);
      await saveTemplate(template, () => fresh.pg.dumpDataDir("none"));
      return fresh;
    }
  }
  const handle = await start(lib, dataDir, loadDataDir);
  if (template) await saveTemplate(template, () => handle.pg.dumpDataDir("none"));
  return handle;
}

/**
 * Postgres's default 128MB of shared buffers is zeroed at every start, and in WebAssembly that is
 * most of opening a database: about 1.2 s of CPU per `vos` command or test runtime, 0.7 s at
 * 32MB. Pages past the buffers still come from the operating system's cache, a copy away, which
 * an embedded library's searches do not notice.
 */
const SHARED_BUFFERS = "32MB";

async function start(lib: Awaited<ReturnType<typeof loadPglite>>, dataDir: string | undefined, loadDataDir?: Blob): Promise<DatabaseHandle & { pg: PGlite }> {
  const { PGlite, vector, drizzle, migrate } = lib;
  const place = dataDir ? { path: dataDir, hint: DATA_FOLDER_HINT } : undefined;
  let pg: PGlite;
  try {
    pg = await PGlite.create({
      ...(dataDir ? { dataDir } : {}),
      ...(loadDataDir ? { loadDataDir } : {}),
      extensions: { vector },
      startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${SHARED_BUFFERS}`],
    });
  } catch (error) {
    throw storageFull(error, place) ?? asError(error, `The database in ${dataDir ?? "memory"} could not be opened`);
  }
  wordFullDisk(pg, place);
  const db = drizzle({ client: pg, schema });
  try {
    await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  } catch (error) {
    await pg.close().catch(() => {});
    throw error;
  }
  return {
    driver: "pglite",
    pg,
    db: db as unknown as Database,
    sql: clientOf(pg),
    close: () => pg.close(),
  };
}

/**
 * PGlite's file system throws plain objects (`{ name: "ErrnoError", errno }`): an Error with the
 * reason and the errno name as `code` reads well and is classified like Node's own.
 */
function asError(error: unknown, doing: string): unknown {
  if (error instanceof Error) return error;
  const wrapped = new Error(`${doing}: ${errorMessage(error)}`, { cause: error });
  const code = /\b(E[A-Z]+)\b/.exec(errorMessage(error))?.[1];
  return code ? Object.assign(wrapped, { code }) : wrapped;
}

/**
 * A write that fails for space (SQLSTATE 53100, ENOSPC from its file system) leaves every
 * statement as `storage.full` naming the data folder. Wrapped on the instance, so drizzle, the
 * queue and pgvector (all through these methods) get it alike; a failed transaction rolls back.
 */
function wordFullDisk(pg: PGlite, place: StoragePlace | undefined): void {
  const target = pg as unknown as Record<"query" | "exec" | "transaction", (...args: unknown[]) => Promise<unknown>>;
  for (const method of ["query", "exec", "transaction"] as const) {
    const original = target[method].bind(pg);
    target[method] = (...args) =>
      original(...args).catch((error: unknown) => {
        throw storageFull(error, place) ?? error;
      });
  }
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
