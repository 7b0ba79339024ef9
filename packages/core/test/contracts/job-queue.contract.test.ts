import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll } from "vitest";
import { createSqsJobQueue } from "../../src/cloud/sqs-job-queue.js";
import { openPglite, openPostgres, type DatabaseHandle } from "../../src/db/index.js";
import { createDbJobQueue } from "../../src/queue/index.js";
import { servePglite } from "../cloud/support/pglite-server.js";
import { startFauxqs, type Fauxqs } from "../support/fauxqs.js";
import { databaseTargets } from "../support/databases.js";
import { describeJobQueueContract } from "./job-queue.contract.js";
import { unique } from "./support.js";

const MAX_RECEIVES = 3;
const opened: Promise<{ handle: DatabaseHandle; close(): Promise<void> }>[] = [];
let fauxqs: Fauxqs;
let sqs: SQSClient;

beforeAll(async () => {
  fauxqs = await startFauxqs();
  sqs = new SQSClient({ region: "us-east-1", endpoint: fauxqs.endpoint, credentials: { accessKeyId: "test", secretAccessKey: "test" }, useQueueUrlAsEndpoint: false });
});
afterAll(async () => {
  sqs?.destroy();
  await fauxqs?.stop();
  for (const database of opened) await (await database).close();
});

/** One database per variant, opened by its first test; every test gets a queue of its own in it. */
function databaseQueue(open: () => Promise<{ handle: DatabaseHandle; close(): Promise<void> }>) {
  let database: (typeof opened)[number] | undefined;
  return async () => {
    if (!database) opened.push((database = open()));
    const { handle } = await database;
    const name = unique("jobs");
    const queue = await createDbJobQueue(handle.sql, { queue: name, maxReceiveCount: MAX_RECEIVES });
    return {
      queue,
      maxReceiveCount: MAX_RECEIVES,
      async sendRaw(body: string) {
        await handle.sql.query(`INSERT INTO queue_message (id, queue, body, visible_at) VALUES ($1, $2, $3, now())`, [unique("msg"), name, body]);
      },
      async live() {
        return (await handle.sql.query<{ body: string }>(`SELECT body FROM queue_message WHERE queue = $1 AND dead_at IS NULL`, [name])).map((row) => row.body);
      },
      async deadLetters() {
        const rows = await handle.sql.query<{ body: string; dead_reason: string | null }>(`SELECT body, dead_reason FROM queue_message WHERE queue = $1 AND dead_at IS NOT NULL`, [name]);
        return rows.map((row) => ({ body: row.body, ...(row.dead_reason ? { reason: row.dead_reason } : {}) }));
      },
    };
  };
}

describeJobQueueContract(
  "database queue on PGlite",
  databaseQueue(async () => {
    const handle = await openPglite();
    return { handle, close: () => handle.close() };
  }),
);

const serverUrl = process.env.VOS_TEST_DATABASE_URL;
if (serverUrl) {
  const server = databaseTargets().find((target) => target.name === "postgresql server")!;
  describeJobQueueContract(
    "database queue on the PostgreSQL server at VOS_TEST_DATABASE_URL",
    databaseQueue(async () => {
      const handle = await server.open();
      return { handle, close: () => handle.close() };
    }),
  );
} else {
  describeJobQueueContract(
    "database queue through postgres.js on a PGlite socket (VOS_TEST_DATABASE_URL not set: no PostgreSQL server here)",
    databaseQueue(async () => {
      const pg = await openPglite();
      const server = await servePglite(pg.pg);
      const handle = await openPostgres(server.url, { max: 2, migrate: false });
      return {
        handle,
        async close() {
          await handle.close();
          await server.close();
          await pg.close();
        },
      };
    }),
  );
}

describeJobQueueContract("SQS with its dead-letter queue on fauxqs", async () => {
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
});
