import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, createClient } from "../src/client.js";
import { connect, type Connection } from "../src/connect.js";

const TOKEN = "cli-token-0123456789abcdef";
let dir: string;
let connection: Connection;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "vos-cli-token-"));
  connection = await connect({ workers: false, env: { VOS_DATA_DIR: dir, VOS_API_TOKEN: TOKEN, VOS_LOG_LEVEL: "silent" } });
});
afterAll(async () => {
  await connection?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the CLI and VOS_API_TOKEN", () => {
  it("sends the token to an API that needs it", async () => {
    expect(await connection.client.listVideos()).toEqual([]);
  });

  it("sends it to a server's origin only, and is refused without it", async () => {
    const seen: { url: string; authorization: string | null }[] = [];
    const fetch = async (request: Request) => {
      seen.push({ url: request.url, authorization: request.headers.get("authorization") });
      return new Response(JSON.stringify({ videos: [] }), { status: 200 });
    };
    await createClient("http://localhost:3000/", fetch, TOKEN).listVideos();
    expect(seen).toEqual([{ url: "http://localhost:3000/api/videos?limit=500", authorization: `Bearer ${TOKEN}` }]);

    const { localApi } = await import("../src/local-api.js");
    const app = localApi(connection.runtime!);
    const without = createClient("http://localhost:3000/", async (request) => app.fetch(request));
    await expect(without.listVideos()).rejects.toEqual(expect.objectContaining({ code: "auth.missing", status: 401 }));
    const wrong = createClient("http://localhost:3000/", async (request) => app.fetch(request), "wrong-token-0123456789");
    await expect(wrong.listVideos()).rejects.toBeInstanceOf(ApiError);
    await expect(wrong.listVideos()).rejects.toEqual(expect.objectContaining({ code: "auth.invalid" }));
  });
});

describe("the CLI on a data folder whose server signs people in", () => {
  it("works in process as VOS_TENANT, while the served API still asks for a sign-in", async () => {
    const folder = await mkdtemp(path.join(tmpdir(), "vos-cli-signin-"));
    // The issuer is never contacted: the in-process API has no sign-in to check.
    const env = { VOS_DATA_DIR: folder, VOS_AUTH_ISSUER: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example1", VOS_AUTH_CLIENT_ID: "exampleclient", VOS_LOG_LEVEL: "silent" };
    const own = await connect({ workers: false, env });
    try {
      expect(await own.client.listVideos()).toEqual([]);
      const { localApi } = await import("../src/local-api.js");
      const served = createClient("http://localhost:3000/", async (request) => localApi(own.runtime!).fetch(request));
      // Refused without a token; the client asks the API how it signs in and says what to run.
      await expect(served.listVideos()).rejects.toEqual(expect.objectContaining({ code: "auth.login_required", status: 401, message: expect.stringContaining("vos login") }));
    } finally {
      await own.close();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
