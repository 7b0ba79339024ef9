import { createHash } from "node:crypto";
import type { SqlClient } from "../db/database.js";
import { dimensionCheck, modelKeyOf, type VectorIndex, type VectorMatch, type VectorMetadata, type VectorModel, type VectorRecord, type VectorStore } from "./vector-index.js";

/** The table name carries the model and dimension, so two models' vectors never share a table. */
export function vectorTableName(model: string, dimension: number): string {
  const slug = createHash("sha256").update(model).digest("hex").slice(0, 10);
  return `vectors_${slug}_${dimension}`;
}

const toLiteral = (values: Float32Array | number[]) => `[${Array.from(values).join(",")}]`;

interface MatchRow {
  id: string;
  distance: number;
  metadata: VectorMetadata;
}

/**
 * pgvector storage owned by this adapter: one table per model with an HNSW cosine index,
 * created on first use (`CREATE EXTENSION vector` needs pgvector, which PGlite ships), and a
 * registry of those tables so a video's vectors can be deleted without loading any model.
 */
export async function createPgvectorStore(sql: SqlClient): Promise<VectorStore> {
  await sql.query(`CREATE EXTENSION IF NOT EXISTS vector`);
  await sql.query(
    `CREATE TABLE IF NOT EXISTS vector_index_registry (
       table_name text PRIMARY KEY, model text NOT NULL, dimension integer NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
  );
  const opened = new Map<string, Promise<VectorIndex>>();
  // Columns added after the first release.
  await sql.query(`ALTER TABLE vector_index_registry ADD COLUMN IF NOT EXISTS adopted_from text`);
  const tables = async () =>
    (await sql.query<{ table_name: string }>(`SELECT table_name FROM vector_index_registry ORDER BY table_name`)).map((row) => row.table_name);

  return {
    index(model, dimension) {
      const key = `${modelKeyOf(model).key}\u0000${dimension}`;
      let index = opened.get(key);
      if (!index) {
        index = openIndex(sql, model, dimension);
        opened.set(key, index);
        index.catch(() => opened.delete(key));
      }
      return index;
    },
    async deleteByPrefix(namespace, prefix) {
      let deleted = 0;
      for (const table of await tables()) {
        const rows = await sql.query(`DELETE FROM ${table} WHERE namespace = $1 AND starts_with(id, $2) RETURNING id`, [namespace, prefix]);
        deleted += rows.length;
      }
      return deleted;
    },
    async listIds(namespace, prefix) {
      const ids: string[] = [];
      for (const table of await tables()) {
        const rows = await sql.query<{ id: string }>(`SELECT id FROM ${table} WHERE namespace = $1 AND starts_with(id, $2) ORDER BY id`, [namespace, prefix]);
        ids.push(...rows.map((row) => row.id));
      }
      return ids;
    },
  };
}

/**
 * The table of a model's vectors: the one registered under its key, else one registered under an
 * alias (a set stored before models had identities: it becomes this model's), else a new one.
 */
async function tableFor(sql: SqlClient, model: VectorModel, dimension: number): Promise<string> {
  const { key, aliases } = modelKeyOf(model);
  const registered = async (name: string) =>
    (await sql.query<{ table_name: string }>(`SELECT table_name FROM vector_index_registry WHERE model = $1 AND dimension = $2 ORDER BY created_at LIMIT 1`, [name, dimension]))[0]
      ?.table_name;
  const own = await registered(key);
  if (own) return own;
  for (const alias of aliases) {
    const table = await registered(alias);
    if (!table) continue;
    await sql.query(`UPDATE vector_index_registry SET model = $1, adopted_from = $2 WHERE table_name = $3`, [key, alias, table]);
    return table;
  }
  return vectorTableName(key, dimension);
}

async function openIndex(sql: SqlClient, vectorModel: VectorModel, dimension: number): Promise<VectorIndex> {
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > 16000) throw new Error(`invalid vector dimension ${dimension}`);
  const model = modelKeyOf(vectorModel).key;
  const table = await tableFor(sql, vectorModel, dimension);
  await sql.query(
    `CREATE TABLE IF NOT EXISTS ${table} (
       namespace text NOT NULL,
       id text NOT NULL,
       video_id text NOT NULL,
       kind text NOT NULL,
       embedding vector(${dimension}) NOT NULL,
       metadata jsonb NOT NULL,
       PRIMARY KEY (namespace, id))`,
  );
  // ef_construction 128 (pgvector's default is 64) builds a denser graph: text queries, far from
  // every image vector, find much more of their true neighbours (see the query below); bulk
  // builds take about twice as long, single inserts about 15% longer. An index made before keeps
  // the settings it was built with.
  await sql.query(`CREATE INDEX IF NOT EXISTS ${table}_hnsw ON ${table} USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 128)`);
  await sql.query(`CREATE INDEX IF NOT EXISTS ${table}_video ON ${table} (namespace, video_id)`);
  await sql.query(
    `INSERT INTO vector_index_registry (table_name, model, dimension) VALUES ($1, $2, $3) ON CONFLICT (table_name) DO NOTHING`,
    [table, model, dimension],
  );

  const check = dimensionCheck(model, dimension);

  return {
    model,
    dimension,

    async upsert(namespace, records) {
      if (records.length === 0) return;
      for (const record of records) check(record.values);
      // One id twice in a call keeps the last, as Pinecone does (one INSERT may not update a row twice).
      const latest = [...new Map(records.map((record) => [record.id, record])).values()];
      const params: unknown[] = [];
      const rows = latest.map((record) => {
        const base = params.length;
        params.push(namespace, record.id, record.metadata.videoId, record.metadata.kind, toLiteral(record.values), JSON.stringify(record.metadata));
        return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5}::vector, $${base + 6}::jsonb)`;
      });
      await sql.query(
        `INSERT INTO ${table} (namespace, id, video_id, kind, embedding, metadata) VALUES ${rows.join(", ")}
         ON CONFLICT (namespace, id) DO UPDATE SET embedding = EXCLUDED.embedding, metadata = EXCLUDED.metadata,
           video_id = EXCLUDED.video_id, kind = EXCLUDED.kind`,
        params,
      );
    },

    async query(namespace, { vector, topK, filter = {} }) {
      check(vector);
      const params: unknown[] = [toLiteral(vector), namespace, topK];
      const where = ["namespace = $2"];
      if (filter.videoId) where.push(`video_id = $${params.push(filter.videoId)}`);
      if (filter.kind) where.push(`kind = $${params.push(filter.kind)}`);
      // HNSW returns at most ef_search rows, and filters apply after the scan: a wide search list,
      // and pgvector keeps scanning until enough rows pass the filter. Text queries sit apart from
      // the image vectors the graph links (CLIP's modality gap) and need the wide list most:
      // bench/sections/search.ts measured recall@10 of caption-like queries over 100,000 frames
      // at 0.42 with 200 and 0.79 with 800 (index built with ef_construction 64), 0.90 with 800
      // and ef_construction 128.
      return sql.transaction(async (tx) => {
        await tx.query(`SET LOCAL hnsw.ef_search = ${Math.min(1000, Math.max(800, topK * 4))}`);
        await tx.query(`SET LOCAL hnsw.iterative_scan = relaxed_order`);
        const rows = await tx.query<MatchRow>(
          `SELECT id, metadata, embedding <=> $1::vector AS distance FROM ${table}
           WHERE ${where.join(" AND ")} ORDER BY distance LIMIT $3`,
          params,
        );
        // relaxed_order may return rows slightly out of order: restore exact order.
        return rows
          .map((row): VectorMatch => ({ id: row.id, score: 1 - Number(row.distance), metadata: row.metadata }))
          .sort((a, b) => b.score - a.score);
      });
    },

    async fetch(namespace, ids) {
      const found = new Map<string, VectorRecord>();
      if (ids.length === 0) return found;
      const rows = await sql.query<{ id: string; embedding: string; metadata: VectorMetadata }>(
        `SELECT id, embedding::text AS embedding, metadata FROM ${table} WHERE namespace = $1 AND id = ANY($2::text[])`,
        [namespace, ids],
      );
      for (const row of rows) found.set(row.id, { id: row.id, values: JSON.parse(row.embedding) as number[], metadata: row.metadata });
      return found;
    },

    async listIds(namespace, prefix) {
      const rows = await sql.query<{ id: string }>(
        `SELECT id FROM ${table} WHERE namespace = $1 AND starts_with(id, $2) ORDER BY id`,
        [namespace, prefix],
      );
      return rows.map((row) => row.id);
    },

    async deleteByPrefix(namespace, prefix) {
      const rows = await sql.query<{ id: string }>(
        `DELETE FROM ${table} WHERE namespace = $1 AND starts_with(id, $2) RETURNING id`,
        [namespace, prefix],
      );
      return rows.length;
    },
  };
}
