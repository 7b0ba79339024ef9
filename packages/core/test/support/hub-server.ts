/**
 * A local HTTP server with the Hugging Face hub's download layout: GET and HEAD
 * `/<model>/resolve/<revision>/<file>` answer a model folder's files with Content-Length, and
 * unknown models, revisions and files answer 404 with the hub's X-Error-Code. Faults can be
 * planted per file: answers of 503, or a body cut off half-way.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

export interface HubRequest {
  method: string;
  model: string;
  revision: string;
  file: string;
  authorization: string | undefined;
}

export interface HubServer {
  endpoint: string;
  /** Every request, in order. */
  requests: HubRequest[];
  /** The next `count` GETs of `file` answer 503. */
  failNext(file: string, count: number): void;
  /** The next GET of `file` sends half its bytes and closes the connection. */
  cutNext(file: string): void;
  close(): Promise<void>;
}

/** Serves `folder` as `model` at each of `revisions`. */
export async function startHubServer(model: string, revisions: readonly string[], folder: string): Promise<HubServer> {
  const requests: HubRequest[] = [];
  const failures = new Map<string, number>();
  const cuts = new Set<string>();
  const server = createServer((req, res) => {
    const parsed = parse(req);
    if (!parsed) return void res.writeHead(400).end();
    requests.push({ method: req.method ?? "GET", ...parsed, authorization: req.headers.authorization });
    const notFound = (code: string) => res.writeHead(404, { "X-Error-Code": code, "X-Error-Message": `${code} (test hub)` }).end();
    if (parsed.model !== model) return notFound("RepoNotFound");
    if (!revisions.includes(parsed.revision)) return notFound("RevisionNotFound");
    const local = path.join(folder, ...parsed.file.split("/"));
    void stat(local).then(
      (info) => {
        if (!info.isFile()) return notFound("EntryNotFound");
        const left = failures.get(parsed.file) ?? 0;
        if (req.method === "GET" && left > 0) {
          failures.set(parsed.file, left - 1);
          return void res.writeHead(503).end();
        }
        res.writeHead(200, { "Content-Length": info.size, "Content-Type": "application/octet-stream" });
        if (req.method === "HEAD") return void res.end();
        if (cuts.delete(parsed.file)) {
          // Half the promised bytes, then the connection drops.
          createReadStream(local, { end: Math.floor(info.size / 2) - 1 })
            .on("data", (chunk) => res.write(chunk))
            .on("end", () => res.destroy());
          return;
        }
        createReadStream(local).pipe(res);
      },
      () => notFound("EntryNotFound"),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    failNext: (file, count) => failures.set(file, count),
    cutNext: (file) => cuts.add(file),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** `/<owner>/<name>/resolve/<revision>/<file...>` (a model without an owner has one part). */
function parse(req: IncomingMessage): Omit<HubRequest, "method" | "authorization"> | undefined {
  const parts = new URL(req.url ?? "/", "http://hub").pathname.split("/").slice(1).map(decodeURIComponent);
  const at = parts.indexOf("resolve");
  if (at < 1 || parts.length < at + 3) return undefined;
  return { model: parts.slice(0, at).join("/"), revision: parts[at + 1]!, file: parts.slice(at + 2).join("/") };
}
