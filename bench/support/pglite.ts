/**
 * PGlite for the benchmarks: the embedded runtime's database (pgvector, the project's
 * migrations), opened in memory or from a dump, with the SqlClient and drizzle handles the
 * project's code takes, and a binary COPY writer for bulk loads.
 */
import type { PGlite } from "@electric-sql/pglite";
import { openPglite, type Database, type SqlClient } from "@vos/core/db";

export interface BenchDatabase {
  pg: PGlite;
  sql: SqlClient;
  db: Database;
  close(): Promise<void>;
}

/** An in-memory PGlite with pgvector and the migrations applied (the embedded runtime's); from a dump when given. */
export async function openBenchDatabase(dump?: Blob): Promise<BenchDatabase> {
  return openPglite(undefined, dump ? { loadDataDir: dump } : {});
}

/** A column value for COPY ... (FORMAT binary). */
export type CopyValue = { text: string } | { vector: Float32Array } | { jsonb: unknown };

const encoder = new TextEncoder();

function encodeValue(value: CopyValue): Uint8Array {
  if ("text" in value) return encoder.encode(value.text);
  if ("jsonb" in value) {
    const json = encoder.encode(JSON.stringify(value.jsonb));
    const out = new Uint8Array(json.length + 1);
    out[0] = 1; // jsonb binary format version
    out.set(json, 1);
    return out;
  }
  // pgvector's binary form: int16 dimensions, int16 unused, float4s, all big-endian.
  const out = new Uint8Array(4 + value.vector.length * 4);
  const view = new DataView(out.buffer);
  view.setInt16(0, value.vector.length);
  for (let i = 0; i < value.vector.length; i++) view.setFloat32(4 + i * 4, value.vector[i]!);
  return out;
}

/** PostgreSQL's binary COPY stream for `rows` (each row's values in the COPY column order). */
export function binaryCopy(rows: Iterable<CopyValue[]>): Blob {
  const parts: Uint8Array[] = [];
  const header = new Uint8Array(19);
  header.set([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]); // PGCOPY\n\377\r\n\0, flags 0, extension 0
  parts.push(header);
  for (const row of rows) {
    const fields = row.map(encodeValue);
    const out = new Uint8Array(2 + fields.reduce((sum, field) => sum + 4 + field.length, 0));
    const view = new DataView(out.buffer);
    view.setInt16(0, fields.length);
    let at = 2;
    for (const field of fields) {
      view.setInt32(at, field.length);
      out.set(field, at + 4);
      at += 4 + field.length;
    }
    parts.push(out);
  }
  parts.push(new Uint8Array([0xff, 0xff])); // trailer: -1
  return new Blob(parts);
}
