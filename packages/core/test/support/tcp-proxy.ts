/**
 * A TCP proxy between a client and a server (a worker and its database), that a test can cut:
 * every open connection is closed at once and new ones are refused until it is restored, as when
 * the database fails over or the network drops.
 */
import { createServer, connect, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export interface TcpProxy {
  host: string;
  port: number;
  /** Connections made through the proxy so far. */
  readonly connections: number;
  /** Connections refused while cut. */
  readonly refused: number;
  /** Closes every open connection and refuses new ones until `restore`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let down = false;
  let connections = 0;
  let refused = 0;
  const server = createServer((client) => {
    if (down) {
      refused++;
      client.destroy();
      return;
    }
    connections++;
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.setNoDelay(true);
      socket.on("error", () => {});
      socket.on("close", () => {
        open.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const dropAll = () => {
    for (const socket of open) socket.destroy();
    open.clear();
  };
  return {
    host: "127.0.0.1",
    port,
    get connections() {
      return connections;
    },
    get refused() {
      return refused;
    },
    cut() {
      down = true;
      dropAll();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        dropAll();
        server.close(() => resolve());
      }),
  };
}

/** The same postgres:// URL, pointing at the proxy instead. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const proxied = new URL(url);
  proxied.hostname = proxy.host;
  proxied.port = String(proxy.port);
  return proxied.toString();
}
