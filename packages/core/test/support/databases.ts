import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import postgres from "postgres";
import { openPglite, openPostgres, type DatabaseHandle } from "../../src/db/index.js";

/**
 * Every database the repository code must work on: PGlite in process (the embedded runtime),
 * postgres.js over a real Postgres socket to PGlite (the production driver, always available),
 * and a real PostgreSQL when VOS_TEST_DATABASE_URL points at one (CI starts PostgreSQL 15).
 */
export interface DatabaseTarget {
  name: string;
  open(): Promise<DatabaseHandle>;
}

async function pgliteOverSocket(): Promise<DatabaseHandle> {
  const pg = await PGlite.create();
  const server = new PGLiteSocketServer({ db: pg, host: "127.0.0.1", port: 0, maxConnections: 4 });
  await server.start();
  const address = server.getServerConn();
  const handle = await openPostgres(`postgres://postgres@${address}/postgres`, { max: 1 });
  return {
    ...handle,
    async close() {
      await handle.close();
      await server.stop();
      await pg.close();
    },
  };
}

/** A fresh database on the real server, dropped on close, so test files never share rows. */
async function realPostgres(url: string): Promise<DatabaseHandle> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const name = `vos_test_${randomBytes(5).toString("hex")}`;
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const handle = await openPostgres(target.toString(), { max: 4 });
  return {
    ...handle,
    async close() {
      await handle.close();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

export function databaseTargets(): DatabaseTarget[] {
  const targets: DatabaseTarget[] = [
    { name: "pglite", open: () => openPglite() },
    { name: "postgres.js over pglite-socket", open: pgliteOverSocket },
  ];
  const url = process.env.VOS_TEST_DATABASE_URL;
  if (url) targets.push({ name: "postgresql server", open: () => realPostgres(url) });
  return targets;
}
