/**
 * An API Gateway HTTP API in front of the built API function, on a local port, so real clients
 * (the CLI, fetch) call it over HTTP as they would the deployed `ApiUrl`. What it does is what
 * the deployed gateway does on the way in and out:
 *
 * - the user pool's JWT authorizer on every route but the open ones (signature by the pool's
 *   keys, issuer, expiry, `aud` or `client_id`): 401 `{"message":"Unauthorized"}` otherwise;
 * - the request as a payload-2.0 event, a binary body base64-encoded;
 * - Lambda's 6 MB limit on the event (a body over about 4.4 MB never reaches the function) and
 *   the 29 s integration timeout;
 * - the function's answer (status, headers, cookies, base64 bodies) as the HTTP response.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createRemoteJWKSet, jwtVerify } from "jose";
import type { FunctionInstance } from "./lambda.js";

/** Lambda's limit on a synchronous invocation's payload. */
export const LAMBDA_PAYLOAD_LIMIT = 6_291_456;
const INTEGRATION_TIMEOUT_MS = 29_000;
const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+json)/i;

export interface GatewayOptions {
  /** Routes without the authorizer, e.g. "GET /api/health". */
  openRoutes: readonly string[];
  /** The user pool's issuer URL and app client id; without them every route is open. */
  authorizer?: { issuer: string; clientId: string };
}

export interface Gateway {
  url: string;
  /** Requests the gateway refused itself (never reached the function), by reason. */
  refused: { status: number; reason: string }[];
  /** Points the gateway at another instance (a cold start). */
  use(instance: FunctionInstance): void;
  close(): Promise<void>;
}

export async function startGateway(first: FunctionInstance, options: GatewayOptions): Promise<Gateway> {
  let instance = first;
  const refused: Gateway["refused"] = [];
  const keys = options.authorizer ? createRemoteJWKSet(new URL(`${options.authorizer.issuer}/.well-known/jwks.json`)) : undefined;

  async function authorized(request: IncomingMessage, routeKey: string): Promise<Record<string, unknown> | undefined | false> {
    if (!options.authorizer || options.openRoutes.includes(routeKey)) return undefined;
    const token = /^Bearer (.+)$/i.exec(request.headers.authorization ?? "")?.[1];
    if (!token) return false;
    try {
      const { payload } = await jwtVerify(token, keys!, { issuer: options.authorizer.issuer });
      const audience = payload.aud ?? (payload as { client_id?: string }).client_id;
      if (![audience].flat().includes(options.authorizer.clientId)) return false;
      return payload as Record<string, unknown>;
    } catch {
      return false;
    }
  }

  const refuse = (response: ServerResponse, status: number, message: string, reason: string) => {
    refused.push({ status, reason });
    response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ message }));
  };

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? "/", "http://gateway");
    const method = request.method ?? "GET";
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);

    const claims = await authorized(request, `${method} ${url.pathname}`);
    if (claims === false) return refuse(response, 401, "Unauthorized", "no valid token");

    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
    const text = TEXT_TYPES.test(headers["content-type"] ?? "");
    const now = new Date();
    const event = {
      version: "2.0",
      routeKey: "$default",
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      requestContext: {
        accountId: "123456789012",
        apiId: "rehearsal",
        domainName: url.host,
        domainPrefix: "rehearsal",
        http: { method, path: url.pathname, protocol: "HTTP/1.1", sourceIp: request.socket.remoteAddress ?? "127.0.0.1", userAgent: headers["user-agent"] ?? "" },
        requestId: randomUUID(),
        routeKey: "$default",
        stage: "$default",
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
        ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
      },
      body: body.length === 0 ? null : text ? body.toString("utf8") : body.toString("base64"),
      isBase64Encoded: body.length > 0 && !text,
    };
    const payload = JSON.stringify(event);
    if (Buffer.byteLength(payload) > LAMBDA_PAYLOAD_LIMIT) {
      return refuse(response, 413, "Request Entity Too Large", `event of ${Buffer.byteLength(payload)} bytes over Lambda's ${LAMBDA_PAYLOAD_LIMIT}`);
    }

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("timeout")), INTEGRATION_TIMEOUT_MS);
    });
    let answer: { statusCode?: number; headers?: Record<string, string>; multiValueHeaders?: Record<string, string[]>; cookies?: string[]; body?: string; isBase64Encoded?: boolean };
    try {
      answer = (await Promise.race([instance.invoke<typeof answer>(event), timeout])).result;
    } catch (error) {
      if (error instanceof Error && error.message === "timeout") return refuse(response, 503, "Service Unavailable", "integration timed out");
      return refuse(response, 500, "Internal Server Error", `function error: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
    }
    const out: Record<string, string | string[]> = { ...answer.headers };
    for (const [name, values] of Object.entries(answer.multiValueHeaders ?? {})) out[name] = values;
    if (answer.cookies?.length) out["set-cookie"] = answer.cookies;
    response.writeHead(answer.statusCode ?? 200, out);
    response.end(answer.body ? Buffer.from(answer.body, answer.isBase64Encoded ? "base64" : "utf8") : undefined);
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) refuse(response, 500, "Internal Server Error", error instanceof Error ? error.message : String(error));
      else response.destroy();
    });
  });
  server.requestTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    refused,
    use(next) {
      instance = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
