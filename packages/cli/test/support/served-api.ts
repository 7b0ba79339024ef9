/**
 * An API app served over HTTP on a free port, as `vos serve` or API Gateway would, so the real
 * CLI process can reach it through VOS_API_URL. It records every request (method and path) and
 * how many upload PUTs were in flight at most; `hold` delays chosen requests, to make overlap
 * observable.
 */
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";

export interface ServedApi {
  url: string;
  /** `METHOD /path` of every request so far. */
  readonly requests: string[];
  /** Bytes of every request body, by `METHOD /path`, summed. */
  bodyBytes(match: RegExp): number;
  /** Most `PUT .../upload` requests in flight at once. */
  readonly maxUploadsInFlight: number;
  /** Requests matching this wait `ms` before the app sees them. */
  hold(match: RegExp | undefined, ms?: number): void;
  /** Called with each request before the app answers it. */
  onRequest?: (request: Request) => void;
  close(): Promise<void>;
}

export async function serveApi(app: { fetch(request: Request): Response | Promise<Response> }): Promise<ServedApi> {
  const requests: string[] = [];
  const sizes: { key: string; bytes: number }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let held: { match: RegExp; ms: number } | undefined;
  const served: ServedApi = {
    url: "",
    requests,
    bodyBytes: (match) => sizes.filter((s) => match.test(s.key)).reduce((sum, s) => sum + s.bytes, 0),
    get maxUploadsInFlight() {
      return maxInFlight;
    },
    hold: (match, ms = 0) => (held = match ? { match, ms } : undefined),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request: Request) {
      const key = `${request.method} ${new URL(request.url).pathname}`;
      requests.push(key);
      served.onRequest?.(request);
      const length = Number(request.headers.get("content-length") ?? 0);
      if (length > 0) sizes.push({ key, bytes: length });
      const upload = request.method === "PUT" && key.endsWith("/upload");
      if (upload) maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        if (held?.match.test(key)) await new Promise((resolve) => setTimeout(resolve, held!.ms));
        return await app.fetch(request);
      } finally {
        if (upload) inFlight--;
      }
    },
  });
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once("listening", () => resolve())));
  served.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return served;
}
