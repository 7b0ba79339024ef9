import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPineconeStore } from "../../src/vector/pinecone.js";
import { openPglite, openPostgres } from "../../src/db/index.js";
import { createLogger } from "../../src/log.js";
import { createPgvectorStore } from "../../src/vector/index.js";
import { servePglite } from "../cloud/support/pglite-server.js";
import { databaseTargets } from "../support/databases.js";
import { startPineconeServer } from "../support/pinecone-server.js";
import { describeVectorStoreContract } from "./vector-store.contract.js";

describeVectorStoreContract("pgvector on PGlite", async () => {
  const handle = await openPglite();
  return { store: await createPgvectorStore(handle.sql), dimension: 4, close: () => handle.close() };
});

/** postgres.js, the production driver, to PGlite's pgvector over a real Postgres socket. */
describeVectorStoreContract("pgvector through postgres.js on a PGlite socket", async () => {
  const pg = await openPglite();
  const server = await servePglite(pg.pg);
  const handle = await openPostgres(server.url, { max: 2, migrate: false });
  return {
    store: await createPgvectorStore(handle.sql),
    dimension: 4,
    async close() {
      await handle.close();
      await server.close();
      await pg.close();
    },
  };
});

/** Whether the server at `url` can load pgvector (Debian's PostgreSQL 15 has no package for it). */
async function hasPgvector(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return (await sql`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`).length > 0;
  } finally {
    await sql.end();
  }
}

const serverUrl = process.env.VOS_TEST_DATABASE_URL;
const server = databaseTargets().find((target) => target.name === "postgresql server");
if (!serverUrl || !server) {
  describe("VectorStore contract: pgvector on a PostgreSQL server", () => {
    it("is not run here: VOS_TEST_DATABASE_URL is not set (CI sets it); postgres.js on a PGlite socket stands in above", () => {
      expect(serverUrl).toBeUndefined();
    });
  });
} else if (await hasPgvector(serverUrl)) {
  describeVectorStoreContract("pgvector on the PostgreSQL server at VOS_TEST_DATABASE_URL", async () => {
    const handle = await server.open();
    return { store: await createPgvectorStore(handle.sql), dimension: 4, close: () => handle.close() };
  });
} else {
  describe("VectorStore contract: pgvector on the PostgreSQL server at VOS_TEST_DATABASE_URL (the server has no pgvector extension)", () => {
    it("refuses to start, naming the missing extension, rather than failing at the first vector", async () => {
      const handle = await server.open();
      try {
        await expect(createPgvectorStore(handle.sql)).rejects.toThrow(/vector/);
      } finally {
        await handle.close();
      }
    });
  });
}

let pinecone: Awaited<ReturnType<typeof startPineconeServer>>;
beforeAll(async () => {
  pinecone = await startPineconeServer();
});
afterAll(async () => pinecone?.close());

describeVectorStoreContract("Pinecone (real SDK) on the Pinecone-protocol server", async () => {
  pinecone.createIndex("contract", 4);
  const store = createPineconeStore({
    apiKey: pinecone.apiKey,
    index: "contract",
    controllerHost: pinecone.url,
    retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 20 },
    // Another model's vectors go to an index of its own, made then.
    create: { cloud: "aws", region: "us-east-1" },
    log: createLogger({ test: "vector-contract" }),
  });
  return { store, dimension: 4, close: async () => {} };
});
