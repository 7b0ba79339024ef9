/**
 * The hostile-input catalogue, bodies and text: over real HTTP against the API in a process of its
 * own (@hono/node-server over the embedded runtime, as `vos serve` runs it), so the server's RSS
 * is its own (sampled every 5 ms). Every refused request leaves the database's rows, the
 * rate-limit buckets and the data folder's files as they were.
 *
 *   input                                                       -> status  code
 *   POST /videos, 600 MB of JSON with Content-Length             -> 413     request.too_large (< 1 s, RSS + < 50 MB)
 *   POST /videos, 600 MB of JSON sent chunked                    -> 413     request.too_large (< 1 s, RSS + < 50 MB)
 *   POST /videos, 50 MB of unknown keys                          -> 413     request.too_large
 *   POST /videos, eight 50 MB bodies at once                     -> 413     request.too_large each, RSS + < 50 MB
 *   POST /videos/{id}/retry (no body expected), 1 MB             -> 413     request.too_large (the default limit)
 *   POST /videos/{id}/complete, 600 MB (limit 5 MB)              -> 413     request.too_large
 *   PUT upload of a 10-byte video declaring 600 MB               -> 413     request.too_large, before a byte is read
 *   PUT chunk declaring more than its Content-Range              -> 413     request.too_large
 *   NUL in filename, title, contentType, an ETag                 -> 400     request.invalid naming the field
 *   a lone surrogate in title                                    -> 400     request.invalid naming the field
 *   NUL in a search's text or videoId, a similar search's videoId -> 400     request.invalid naming the field
 *   NUL in a picture search's videoId (multipart)                -> 400     request.invalid naming the field
 *   NUL in ?before=, a label, a label in the path, /videos/%00   -> 400     request.invalid naming the field
 *   /files/local/%, /files/local/%E0%A4%A, /videos/%E0%A4%A,
 *   /videos/%ED%A0%80 (an encoded lone surrogate)                -> 400     request.invalid (not valid percent-encoding)
 *   registrations failing with 500 (the upload service throws)   -> 500     internal, no token spent; a flood is still refused
 *   a query that fails in the database (its table renamed away)  -> 500     internal, logged without its parameters
 *
 * Unknown keys in a JSON body are ignored, bounded by the route's limit. The picture route's
 * own limit (image.too_large) is in image-limit.test.ts; bad pictures in hostile-pictures.test.ts.
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { Agent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiProcess, type ApiProcess } from "./support/api-process.js";

const MB = 1024 * 1024;
const CHUNK = 64 * 1024;
const RSS_BOUND = 50 * MB;

let dir: string;
let server: ApiProcess;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vos-hostile-bodies-"));
  server = await startApiProcess({ VOS_DATA_DIR: dir, VOS_RATE_UPLOADS: "2", VOS_LOG_LEVEL: "error" });
  // Warm the routes used below, so their first use is not counted as growth.
  await send("POST", "/api/videos", { json: { filename: "" } });
  await send("POST", "/api/videos", { chunks: padded(2 * CHUNK, "{", "}") });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: { code: string; message: string };
  ms: number;
  /** Body bytes written before the answer came. */
  sentBytes: number;
}

/**
 * Sends a request over HTTP, writing the body's chunks one at a time as each is flushed, and
 * stops writing as soon as the server answers: the test never holds more than one chunk.
 * Without `contentLength` a body goes chunked.
 */
function send(
  method: string,
  url: string,
  options: { json?: unknown; chunks?: Iterable<Buffer>; contentLength?: number; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const json = options.json === undefined ? undefined : Buffer.from(JSON.stringify(options.json));
  const chunks = (json ? [json] : (options.chunks ?? []))[Symbol.iterator]();
  const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
  const length = json?.length ?? options.contentLength;
  if (length !== undefined) headers["content-length"] = String(length);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let sentBytes = 0;
    let answered = false;
    // A keep-alive connection, as browsers and curl use: on `Connection: close` Node's server
    // closes the socket right after the answer, and with the body still arriving the client can
    // get a reset instead of the 413 (a keep-alive one is drained a while first). An agent of its
    // own, so no later request reuses a connection the server is still draining.
    const agent = new Agent({ keepAlive: true });
    const req = httpRequest({ host: "127.0.0.1", port: server.port, method, path: url, headers, agent }, (response) => {
      answered = true;
      const ms = performance.now() - started;
      const at = sentBytes;
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (piece: string) => (text += piece));
      response.on("end", () => {
        req.destroy();
        agent.destroy();
        resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Answer["body"], ms, sentBytes: at });
      });
    });
    req.on("error", (error) => {
      agent.destroy();
      if (!answered) reject(error);
    });
    const writeNext = () => {
      if (answered) return;
      const next = chunks.next();
      if (next.done) return void req.end();
      sentBytes += next.value.length;
      req.write(next.value, () => setImmediate(writeNext));
    };
    req.flushHeaders();
    writeNext();
  });
}

/** `head`, filler, `tail`: exactly `total` bytes, made as they are sent. */
function* padded(total: number, head: string, tail: string): Generator<Buffer> {
  const filler = Buffer.alloc(CHUNK, "a");
  yield Buffer.from(head);
  for (let left = total - head.length - tail.length; left > 0; left -= CHUNK) yield filler.subarray(0, Math.min(left, CHUNK));
  yield Buffer.from(tail);
}

/** A registration followed by about `total` bytes of keys the schema does not know. */
function* unknownKeys(total: number): Generator<Buffer> {
  yield Buffer.from('{"filename":"a.mp4","sizeBytes":10');
  let key = 0;
  for (let sent = 0; sent < total; ) {
    let chunk = "";
    while (chunk.length < CHUNK) chunk += `,"key${key++}":"${"v".repeat(40)}"`;
    sent += chunk.length;
    yield Buffer.from(chunk);
  }
  yield Buffer.from("}");
}

/** Every file under the data folder's blob store with its size. */
async function files(): Promise<string[]> {
  const root = path.join(dir, "blobs");
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  const found = entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
  return (await Promise.all(found.map(async (file) => `${path.relative(root, file)} ${(await stat(file)).size}`))).sort();
}

/** What a request could have written: rows, buckets, files. */
const snapshot = async () => ({ database: await server.state(), files: await files() });

/** Sends the requests at once; their answers and how far the server's RSS rose above where it stood. */
async function measured(requests: (() => Promise<Answer>)[]) {
  const before = await server.memory();
  const answers = await Promise.all(requests.map((request) => request()));
  const after = await server.memory();
  return { answers, rssGrowth: after.peak - before.rss };
}

function expectRefused(answer: Answer, status: number, code: string, message: RegExp) {
  expect({ status: answer.status, code: answer.body.code }).toEqual({ status, code });
  expect(answer.body.message).toMatch(message);
}

async function register(sizeBytes: number): Promise<string> {
  const answer = (await send("POST", "/api/videos", { json: { filename: "clip.mp4", sizeBytes, contentType: "video/mp4" } })) as Answer & { body: { video?: { id: string } } };
  expect(answer.status).toBe(201);
  return answer.body.video!.id;
}

describe("request bodies: refused by size before they are read", () => {
  const registration = '{"filename":"a.mp4","sizeBytes":10,"title":"';

  it.each([
    ["with Content-Length", 600 * MB, /^The request body is 600 MB; the limit here is 64 KB\.$/],
    ["sent chunked", undefined, /^The request body is over 64 KB; the limit here is 64 KB\.$/],
  ])("a 600 MB JSON body %s answers 413 in under a second, RSS bounded", async (_name, contentLength, message) => {
    const before = await snapshot();
    const { answers, rssGrowth } = await measured([
      () => send("POST", "/api/videos", { chunks: padded(600 * MB, registration, '"}'), ...(contentLength ? { contentLength } : {}) }),
    ]);
    const [answer] = answers;
    expectRefused(answer!, 413, "request.too_large", message);
    expect(answer!.ms).toBeLessThan(1000);
    expect(answer!.sentBytes).toBeLessThan(64 * MB);
    expect(rssGrowth).toBeLessThan(RSS_BOUND);
    expect(await snapshot()).toEqual(before);
  });

  it("50 MB of unknown keys on POST /api/videos answers 413, not 201", async () => {
    const before = await snapshot();
    expectRefused(await send("POST", "/api/videos", { chunks: unknownKeys(50 * MB) }), 413, "request.too_large", /limit here is 64 KB/);
    expect(await snapshot()).toEqual(before);
  });

  it("eight 50 MB bodies at once all answer 413 with RSS bounded", async () => {
    const before = await snapshot();
    const { answers, rssGrowth } = await measured(Array.from({ length: 8 }, () => () => send("POST", "/api/videos", { chunks: unknownKeys(50 * MB) })));
    for (const answer of answers) expectRefused(answer, 413, "request.too_large", /limit here is 64 KB/);
    expect(rssGrowth).toBeLessThan(RSS_BOUND);
    expect(await snapshot()).toEqual(before);
  });

  it("a route with no limit of its own gets the default, and completing an upload its own 5 MB", async () => {
    const before = await snapshot();
    expectRefused(await send("POST", "/api/videos/vid_x/retry", { chunks: padded(MB, "{", "}") }), 413, "request.too_large", /limit here is 64 KB/);
    expectRefused(
      await send("POST", "/api/videos/vid_x/complete", { chunks: padded(600 * MB, '{"parts":[', "]}"), contentLength: 600 * MB }),
      413,
      "request.too_large",
      /^The request body is 600 MB; the limit here is 5 MB\.$/,
    );
    expect(await snapshot()).toEqual(before);
  });

  it("an upload declaring more than the video or its chunk answers 413 before a byte is read", async () => {
    const id = await register(10);
    const before = await snapshot();
    const upload = (headers: Record<string, string>) =>
      send("PUT", `/api/videos/${id}/upload`, { chunks: padded(600 * MB, "", ""), contentLength: 600 * MB, headers: { "content-type": "video/mp4", ...headers } });
    const whole = await upload({});
    expectRefused(whole, 413, "request.too_large", /^The request body is 600 MB; the limit here is 10 bytes \(the size this video was registered with\)\.$/);
    expect(whole.ms).toBeLessThan(1000);
    expectRefused(await upload({ "content-range": "bytes 0-4/10" }), 413, "request.too_large", /the limit here is 5 bytes \(the chunk its Content-Range names\)/);
    expect(await snapshot()).toEqual(before);
  });
});

describe("text is text: what PostgreSQL cannot store is refused at the schema", () => {
  const multipart = (field: string, value: string) =>
    Buffer.from(`--b\r\nContent-Disposition: form-data; name="${field}"\r\n\r\n${value}\r\n--b--\r\n`);
  const label = (text: string) => ({ label: text });
  const object = `/api/objects/${encodeURIComponent("vid_x#o1.0")}`;

  it.each([
    ["filename", "POST", "/api/videos", { filename: "a\u0000.mp4", sizeBytes: 10 }],
    ["title", "POST", "/api/videos", { filename: "a.mp4", sizeBytes: 10, title: "x\u0000y" }],
    ["title", "POST", "/api/videos", { filename: "a.mp4", sizeBytes: 10, title: "lone \ud800 surrogate" }],
    ["contentType", "POST", "/api/videos", { filename: "a.mp4", sizeBytes: 10, contentType: "video/mp4\u0000" }],
    ["parts.0.etag", "POST", "/api/videos/vid_x/complete", { parts: [{ partNumber: 1, etag: "\u0000" }] }],
    ["text", "POST", "/api/search", { text: "a red\u0000 mug" }],
    ["videoId", "POST", "/api/search", { text: "a red mug", videoId: "vid\u0000" }],
    ["videoId", "POST", `${object}/similar`, { videoId: "vid\u0000" }],
    ["label", "PUT", `${object}/labels`, label("mug\u0000")],
    ["before", "GET", "/api/videos?before=vid%00", undefined],
    ["label", "DELETE", `${object}/labels/mug%00`, undefined],
    ["id", "GET", "/api/videos/%00", undefined],
  ] as const)("%s (%s %s) answers 400 naming it", async (field, method, url, json) => {
    const before = await snapshot();
    const answer = await send(method, url, json === undefined ? {} : { json });
    expectRefused(answer, 400, "request.invalid", new RegExp(`${field.replaceAll(".", "\\.")}: contains a character that cannot be stored`));
    expect(await snapshot()).toEqual(before);
  });

  it("videoId of a picture search (multipart) answers 400 naming it", async () => {
    const before = await snapshot();
    const body = multipart("videoId", "vid\u0000");
    const answer = await send("POST", "/api/search/image", { chunks: [body], contentLength: body.length, headers: { "content-type": "multipart/form-data; boundary=b" } });
    expectRefused(answer, 400, "request.invalid", /videoId: contains a character that cannot be stored/);
    expect(await snapshot()).toEqual(before);
  });

  it.each(["/api/files/local/%", "/api/files/local/%E0%A4%A", "/api/videos/%E0%A4%A", "/api/videos/%ED%A0%80"])(
    "the path %s answers 400: not valid percent-encoding",
    async (url) => {
      const before = await snapshot();
      expectRefused(await send("GET", url), 400, "request.invalid", /^The path is not valid percent-encoding/);
      expect(await snapshot()).toEqual(before);
    },
  );
});

describe("rate-limit tokens are spent only on served requests", () => {
  it("registrations failing with 500 spend no token, and a flood after them is still refused at the limit", async () => {
    const headers = { "x-tenant": "flood" };
    const registration = { filename: "clip.mp4", sizeBytes: 10, contentType: "video/mp4" };
    await server.failUploads(true);
    try {
      // One after another, as a client retrying would: more than the limit, and none refused.
      for (let i = 0; i < 4; i++) {
        const answer = await send("POST", "/api/videos", { json: registration, headers });
        expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 500, code: "internal" });
      }
    } finally {
      await server.failUploads(false);
    }
    // Two a minute: both tokens are still there, and of five at once exactly two pass.
    const flood = await Promise.all(Array.from({ length: 5 }, () => send("POST", "/api/videos", { json: registration, headers })));
    expect(flood.map((answer) => answer.status).sort()).toEqual([201, 201, 429, 429, 429]);
  });
});

describe("database errors are logged without the values sent", () => {
  it("a failed query's log line has its SQL and PostgreSQL's reason, not the values the request sent", async () => {
    const secret = "vid_secret_value_from_a_request";
    await server.hideVideos(true);
    try {
      // In the query string, which the log line's path leaves out.
      const answer = await send("GET", `/api/videos?before=${secret}`);
      expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 500, code: "internal" });
    } finally {
      await server.hideVideos(false);
    }
    const logged = server.log();
    expect(logged).toMatch(/Failed query: select .* from \\"video\\" where .* \(3 parameters withheld\): 42P01 relation \\"video\\" does not exist/);
    expect(logged).not.toContain(secret);
  });
});
