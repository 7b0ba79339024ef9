/**
 * The Pinecone adapter under an outage longer than its retries: the caller gets a clear,
 * retryable `vector.unavailable` (503) instead of an internal error; client errors stay as
 * they are.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPineconeStore } from "../../src/vector/pinecone.js";
import { VisibleError } from "../../src/error.js";
import { createLogger } from "../../src/log.js";
import type { VectorIndex } from "../../src/vector/vector-index.js";
import { startPineconeServer, type PineconeServer } from "../support/pinecone-server.js";

let server: PineconeServer;
let index: VectorIndex;
const retries = 2;

beforeAll(async () => {
  server = await startPineconeServer();
  server.createIndex("outage-4", 4);
  const store = createPineconeStore({ apiKey: server.apiKey, index: "outage-4", controllerHost: server.url, retry: { retries, baseDelayMs: 5 }, log: createLogger({ test: "outage" }) });
  index = await store.index("model-a", 4);
});
afterAll(async () => server?.close());

const vector = [1, 0, 0, 0];

describe("the vector store when retries run out", () => {
  it.each([
    [503, /^\/query$/, () => index.query("t", { vector, topK: 1 })],
    [500, /^\/vectors\/fetch$/, () => index.fetch("t", ["a#f0"])],
    [429, /^\/vectors\/upsert$/, () => index.upsert("t", [{ id: "a#f0", values: vector, metadata: { videoId: "a", kind: "frame", timeSec: 0, frameNo: 0 } }])],
  ] as const)("answers %i on %s as vector.unavailable, a transient 503", async (status, path, call) => {
    const from = server.requests.length;
    server.failNext(1 + retries, status, { path });
    const error = await call().then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(VisibleError);
    expect(error).toMatchObject({ code: "vector.unavailable", status: 503, permanent: false });
    expect(server.requests.slice(from).filter((r) => path.test(r.path)).map((r) => r.status)).toEqual(Array(1 + retries).fill(status));
  });

  it("leaves client errors alone", async () => {
    server.failNext(1, 400, { path: /^\/query$/ });
    const error = await index.query("t", { vector, topK: 1 }).catch((failure: unknown) => failure);
    expect(error).not.toBeInstanceOf(VisibleError);
  });
});
