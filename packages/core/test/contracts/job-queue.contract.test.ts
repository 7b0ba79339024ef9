import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createSqsJobQueue } from "../../src/queue/sqs.js";
import { openPglite, openPostgres, type DatabaseHandle } from "../../src/db/index.js";
import { createDbJobQueue } from "../../src/queue/index.js";
import { servePglite } from "../cloud/support/pglite-server.js";
import { databaseTargets } from "../support/databases.js";
import { startFauxqs } from "../support/fauxqs.js";
import { describeJobQueueContract, type JobQueueAdapter } from "./job-queue.contract.js";
import { unique } from "./support.js";

const MAX_RECEIVES = 3;

/** The database queue on one database; each test's queue is a queue name of its own there. */
async function databaseQueues(handle: DatabaseHandle, close: () => Promise<void>): Promise<JobQueueAdapter> {
  return {
    async newQueue() {
      const name = unique("jobs");
      return {
        queue: await createDbJobQueue(handle.sql, { queue: name, maxReceiveCount: MAX_RECEIVES }),
        maxReceiveCount: MAX_RECEIVES,
        async sendRaw(body) {
          await handle.sql.query(`INSERT INTO queue_message (id, queue, body, visible_at) VALUES ($1, $2, $3, now())`, [unique("msg"), name, body]);
        },
        async live() {
          return (await handle.sql.query<{ body: string }>(`SELECT body FROM queue_message WHERE queue = $1 AND dead_at IS NULL`, [name])).map((row) => row.body);
        },
        async deadLetters() {
          const rows = await handle.sql.query<{ body: string; dead_reason: string | null }>(
            `SELECT body, dead_reason FROM queue_message WHERE queue = $1 AND dead_at IS NOT NULL`,
            [name],
          );
          return rows.map((row) => ({ body: row.body, ...(row.dead_reason ? { reason: row.dead_reason } : {}) }));
        },
      };
    },
    close,
  };
}

describeJobQueueContract("database queue on PGlite", async () => {
  const handle = await openPglite();
  return databaseQueues(handle, () => handle.close());
});

const server = process.env.VOS_TEST_DATABASE_URL ? databaseTargets().find((target) => target.name === "postgresql server") : undefined;
if (server) {
  describeJobQueueContract("database queue on the PostgreSQL server at VOS_TEST_DATABASE_URL", async () => {
    const handle = await server.open();
    return databaseQueues(handle, () => handle.close());
  });
} else {
  describeJobQueueContract("database queue through postgres.js on a PGlite socket (VOS_TEST_DATABASE_URL not set: no PostgreSQL server here)", async () => {
    const pg = await openPglite();
    const socket = await servePglite(pg.pg);
    const handle = await openPostgres(socket.url, { max: 2, migrate: false });
    return databaseQueues(handle, async () => {
      await handle.close();
      await socket.close();
      await pg.close();
    });
  });
}

describeJobQueueContract("SQS with its dead-letter queue on fauxqs", async () => {
  const fauxqs = await startFauxqs();
  const sqs = new SQSClient({ region: "us-east-1", endpoint: fauxqs.endpoint, credentials: { accessKeyId: "test", secretAccessKey: "test" }, useQueueUrlAsEndpoint: false });
  return {
    async newQueue() {
      const name = unique("jobs");
      const { url, deadLettersUrl } = fauxqs.queue(name, { deadLetters: `${name}-dead`, maxReceiveCount: MAX_RECEIVES });
      return {
        queue: createSqsJobQueue(sqs, { queueUrl: url, deadLetterQueueUrl: deadLettersUrl! }),
        maxReceiveCount: MAX_RECEIVES,
        async sendRaw(body) {
          await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
        },
        live: async () => fauxqs.messages(name).map((m) => m.body),
        deadLetters: async () => fauxqs.messages(`${name}-dead`).map((m) => ({ body: m.body, ...(m.attributes.reason ? { reason: m.attributes.reason } : {}) })),
      };
    },
    async close() {
      sqs.destroy();
      await fauxqs.stop();
    },
  };
});
