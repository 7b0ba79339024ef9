/**
 * PGlite behind a Postgres socket that many connections (and processes) may use at once.
 *
 * PGlite is one database session. A socket server that queues each protocol message on its own
 * lets two connections' extended-protocol exchanges interleave (one's Parse, the other's Bind),
 * which breaks as soon as a worker process, the API and a handler talk to it together. This one
 * serialises whole exchanges: a connection holds the session from its first message until the
 * database reports ReadyForQuery outside a transaction, so every connection sees a session of its
 * own, as with a real server (queries simply wait their turn).
 */
import { createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import type { PGlite } from "@electric-sql/pglite";

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
const TERMINATE = 0x58; // 'X'
const READY_FOR_QUERY = 0x5a; // 'Z'

/** The transaction status of the last ReadyForQuery in a response: I (idle), T or E. */
function readyStatus(response: Uint8Array): string | undefined {
  let status: string | undefined;
  let at = 0;
  const view = Buffer.from(response.buffer, response.byteOffset, response.byteLength);
  while (at + 5 <= view.length) {
    const type = view[at]!;
    const length = view.readInt32BE(at + 1);
    if (type === READY_FOR_QUERY && at + 5 < view.length) status = String.fromCharCode(view[at + 5]!);
    at += 1 + length;
  }
  return status;
}

export async function servePglite(db: PGlite): Promise<{ url: string; close(): Promise<void> }> {
  let owner: number | undefined;
  const waiting: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const acquire = async (id: number) => {
    while (owner !== undefined && owner !== id) await new Promise<void>((resolve) => waiting.push(resolve));
    owner = id;
  };
  const release = (id: number) => {
    if (owner !== id) return;
    owner = undefined;
    for (const wake of waiting.splice(0)) wake();
  };
  const exchange = async (id: number, message: Uint8Array) => {
    await acquire(id);
    const response = await db.execProtocolRaw(message);
    if (readyStatus(response) === "I") release(id);
    return response;
  };

  let next = 0;
  const server = createServer((socket) => {
    const id = ++next;
    sockets.add(socket);
    socket.setNoDelay(true);
    let buffer = Buffer.alloc(0);
    let started = false;
    let chain = Promise.resolve();

    const drain = async () => {
      for (;;) {
        if (!started) {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          const code = buffer.readInt32BE(4);
          if (code === SSL_REQUEST) {
            buffer = buffer.subarray(8);
            socket.write("N");
            continue;
          }
          if (code === CANCEL_REQUEST) {
            socket.destroy();
            return;
          }
          if (buffer.length < length) return;
          const startup = new Uint8Array(buffer.subarray(0, length));
          buffer = buffer.subarray(length);
          socket.write(await exchange(id, startup));
          started = true;
          continue;
        }
        if (buffer.length < 5) return;
        const length = 1 + buffer.readInt32BE(1);
        if (buffer.length < length) return;
        const message = new Uint8Array(buffer.subarray(0, length));
        buffer = buffer.subarray(length);
        if (message[0] === TERMINATE) {
          socket.end();
          return;
        }
        const response = await exchange(id, message);
        if (!socket.destroyed) socket.write(response);
      }
    };
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      chain = chain.then(drain).catch(() => {
        socket.destroy();
      });
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      sockets.delete(socket);
      chain = chain.then(async () => {
        // A connection that went away inside a transaction must not leave it open.
        if (owner === id && db.isInTransaction()) await db.exec("ROLLBACK").catch(() => {});
        release(id);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
