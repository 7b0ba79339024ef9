import { randomBytes } from "node:crypto";
import type { SqlClient } from "../db/database.js";
import { createId } from "../util/id.js";
import { DEAD_LETTERS_SCANNED, JobMessage, type JobQueue, type ReceivedMessage } from "./job-queue.js";

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** The queue's own table, created by the adapter: only the embedded runtime needs it. */
const DDL = [
  `CREATE TABLE IF NOT EXISTS queue_message (
  id text PRIMARY KEY,
  queue text NOT NULL,
  body text NOT NULL,
  visible_at timestamptz NOT NULL,
  receive_count integer NOT NULL DEFAULT 0,
  receipt_handle text,
  dead_at timestamptz,
  dead_reason text,
  sent_at timestamptz NOT NULL DEFAULT now()
)`,
  // Added after the first release: data folders made before it gain the column on open.
  `ALTER TABLE queue_message ADD COLUMN IF NOT EXISTS redriven_at timestamptz`,
  `CREATE INDEX IF NOT EXISTS queue_message_ready_idx ON queue_message (queue, visible_at) WHERE dead_at IS NULL`,
];

export interface DbJobQueueOptions {
  queue?: string;
  maxReceiveCount: number;
  /** The clock, so tests can move time instead of sleeping. */
  now?: () => Date;
}

interface Row {
  id: string;
  body: string;
  receive_count: number;
  receipt_handle: string;
  redriven: boolean;
}

/**
 * A durable queue in the database with SQS semantics. Survives restarts: unfinished messages
 * become visible again after their timeout (or at once through `releaseAll`, when the data
 * folder lock proves their previous holder is gone).
 */
export interface DbJobQueue extends JobQueue {
  releaseAll(): Promise<number>;
  /**
   * Each job with a message here: "live" if one can still be delivered, else "dead". Call it
   * while nothing is in flight (at start-up, after `releaseAll`).
   */
  messageStates(): Promise<Map<string, "live" | "dead">>;
  stats(): Promise<{ ready: number; inFlight: number; dead: number }>;
}

export async function createDbJobQueue(sql: SqlClient, options: DbJobQueueOptions): Promise<DbJobQueue> {
  for (const statement of DDL) await sql.query(statement);
  const queue = options.queue ?? "jobs";
  const now = options.now ?? (() => new Date());
  const at = (offsetSec = 0) => new Date(now().getTime() + offsetSec * 1000).toISOString();

  return {
    async send(message: JobMessage, sendOptions = {}) {
      await sql.query(`INSERT INTO queue_message (id, queue, body, visible_at) VALUES ($1, $2, $3, $4)`, [
        createId("msg"),
        queue,
        JSON.stringify(message),
        at(sendOptions.delaySec ?? 0),
      ]);
    },

    async receive({ max, visibilityTimeoutSec }) {
      return sql.transaction(async (tx) => {
        // Messages already received maxReceiveCount times go to the dead-letter state, as SQS's
        // redrive policy does, instead of being delivered again.
        await tx.query(
          `UPDATE queue_message SET dead_at = $2, dead_reason = 'max receive count exceeded'
           WHERE queue = $1 AND dead_at IS NULL AND visible_at <= $2 AND receive_count >= $3`,
          [queue, at(), options.maxReceiveCount],
        );
        const rows = await tx.query<Row>(
          `UPDATE queue_message SET receive_count = receive_count + 1, visible_at = $3,
             receipt_handle = id || ':' || $4 || ':' || (receive_count + 1)
           WHERE id IN (
             SELECT id FROM queue_message WHERE queue = $1 AND dead_at IS NULL AND visible_at <= $2
             ORDER BY visible_at, id LIMIT $5 FOR UPDATE SKIP LOCKED)
           RETURNING id, body, receive_count, receipt_handle, redriven_at IS NOT NULL AS redriven`,
          [queue, at(), at(visibilityTimeoutSec), randomBytes(6).toString("hex"), max],
        );
        return rows.map(
          (row): ReceivedMessage => ({ id: row.id, body: row.body, receiveCount: row.receive_count, receiptHandle: row.receipt_handle, redriven: row.redriven }),
        );
      });
    },

    // A stale receipt handle (the message was received again since) changes nothing, as in SQS;
    // nor does one of a dead letter, which SQS keeps on another queue.
    async delete(receiptHandle) {
      await sql.query(`DELETE FROM queue_message WHERE receipt_handle = $1 AND dead_at IS NULL`, [receiptHandle]);
    },

    async changeVisibility(receiptHandle, timeoutSec) {
      await sql.query(`UPDATE queue_message SET visible_at = $2 WHERE receipt_handle = $1 AND dead_at IS NULL`, [
        receiptHandle,
        at(timeoutSec),
      ]);
    },

    async handBack(receiptHandle) {
      await sql.query(
        `UPDATE queue_message SET visible_at = $2, receive_count = greatest(receive_count - 1, 0), receipt_handle = NULL
         WHERE receipt_handle = $1 AND dead_at IS NULL`,
        [receiptHandle, at()],
      );
    },

    async deadLetter(receiptHandle, reason) {
      await sql.query(`UPDATE queue_message SET dead_at = $2, dead_reason = $3 WHERE receipt_handle = $1`, [
        receiptHandle,
        at(),
        reason,
      ]);
    },

    async deadLetters({ max }) {
      const rows = await sql.query<{ id: string; body: string; dead_reason: string | null; dead_at: Date | string }>(
        `SELECT id, body, dead_reason, dead_at FROM queue_message WHERE queue = $1 AND dead_at IS NOT NULL ORDER BY dead_at, id LIMIT $2`,
        [queue, Math.max(0, Math.min(max, DEAD_LETTERS_SCANNED))],
      );
      return rows.map((row) => ({ id: row.id, body: row.body, reason: row.dead_reason ?? "no reason recorded", failedAt: new Date(row.dead_at) }));
    },

    // Its deliveries start again from none, as a message sent anew; why it died stays with it.
    async redrive(id) {
      const rows = await sql.query<{ id: string }>(
        `UPDATE queue_message SET dead_at = NULL, receive_count = 0, receipt_handle = NULL, visible_at = $3, redriven_at = $3
         WHERE queue = $1 AND id = $2 AND dead_at IS NOT NULL RETURNING id`,
        [queue, id, at()],
      );
      return rows.length > 0;
    },

    async releaseAll() {
      const rows = await sql.query<{ id: string }>(
        `UPDATE queue_message SET visible_at = $2, receipt_handle = NULL
         WHERE queue = $1 AND dead_at IS NULL AND visible_at > $2 AND receipt_handle IS NOT NULL RETURNING id`,
        [queue, at()],
      );
      return rows.length;
    },

    async messageStates() {
      // Apply the redrive first, so a message that would die on its next receive counts as dead.
      await sql.query(
        `UPDATE queue_message SET dead_at = $2, dead_reason = 'max receive count exceeded'
         WHERE queue = $1 AND dead_at IS NULL AND receive_count >= $3`,
        [queue, at(), options.maxReceiveCount],
      );
      const rows = await sql.query<{ body: string; dead: boolean }>(`SELECT body, dead_at IS NOT NULL AS dead FROM queue_message WHERE queue = $1`, [queue]);
      const states = new Map<string, "live" | "dead">();
      for (const row of rows) {
        const parsed = JobMessage.safeParse(safeJson(row.body));
        if (!parsed.success) continue;
        // One live message is enough for the job to be run.
        if (!row.dead || !states.has(parsed.data.jobId)) states.set(parsed.data.jobId, row.dead ? "dead" : "live");
      }
      return states;
    },

    async stats() {
      const [row] = await sql.query<{ ready: number; in_flight: number; dead: number }>(
        `SELECT count(*) FILTER (WHERE dead_at IS NULL AND visible_at <= $2)::int AS ready,
                count(*) FILTER (WHERE dead_at IS NULL AND visible_at > $2)::int AS in_flight,
                count(*) FILTER (WHERE dead_at IS NOT NULL)::int AS dead
         FROM queue_message WHERE queue = $1`,
        [queue, at()],
      );
      return { ready: row?.ready ?? 0, inFlight: row?.in_flight ?? 0, dead: row?.dead ?? 0 };
    },
  };
}
