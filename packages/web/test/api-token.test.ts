// @vitest-environment happy-dom
/**
 * The web app against a server started with VOS_API_TOKEN: it asks for the token once when the
 * API answers 401, keeps it in localStorage, and sends it (as a header to the API, as ?token= on
 * stored-file URLs, never to another origin).
 */
import { afterEach, describe, expect, it } from "vitest";
import { createApiClient, localTokenStore, TOKEN_STORAGE_KEY } from "../src/api/client";

const TOKEN = "web-token-0123456789abcdef";

function server() {
  const seen: { url: string; authorization: string | null }[] = [];
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    const authorization = new Headers(init.headers).get("authorization");
    seen.push({ url, authorization });
    if (!url.startsWith("http://localhost:3000/")) return new Response(null, { status: 200 });
    if (authorization === null) return Response.json({ code: "auth.missing", message: "This server needs its access token." }, { status: 401 });
    if (authorization !== `Bearer ${TOKEN}`) return Response.json({ code: "auth.invalid", message: "The access token is wrong." }, { status: 401 });
    return Response.json({ videos: [] });
  };
  return { seen, fetch: fetch as typeof globalThis.fetch };
}

afterEach(() => localStorage.clear());

describe("the API token in the web app", () => {
  it("asks once when the API answers 401, keeps the token and sends it from then on", async () => {
    const { seen, fetch } = server();
    const asked: boolean[] = [];
    const api = createApiClient({ baseUrl: "http://localhost:3000/api", fetch, askToken: async (invalid) => (asked.push(invalid), TOKEN) });
    expect(await Promise.all([api.listVideos(), api.listVideos()])).toEqual([[], []]);
    expect(asked).toEqual([false]);
    expect(localStorage.getItem(TOKEN_STORAGE_KEY)).toBe(TOKEN);
    seen.length = 0;
    await api.listVideos();
    expect(seen).toEqual([{ url: "http://localhost:3000/api/videos?limit=500", authorization: `Bearer ${TOKEN}` }]);

    // A fresh page finds it in localStorage and asks nothing.
    const again = createApiClient({ baseUrl: "http://localhost:3000/api", fetch, askToken: () => expect.unreachable("asked again") });
    expect(await again.listVideos()).toEqual([]);
  });

  it("puts the token on stored-file URLs and API uploads, never on another origin", async () => {
    localStorage.setItem(TOKEN_STORAGE_KEY, TOKEN);
    const { seen, fetch } = server();
    const api = createApiClient({ baseUrl: "http://localhost:3000/api", fetch });
    expect(api.resolve("/api/files/local/videos/v/source.mp4")).toBe(`http://localhost:3000/api/files/local/videos/v/source.mp4?token=${TOKEN}`);
    expect(api.resolve("/api/videos/v/upload")).toBe("http://localhost:3000/api/videos/v/upload");
    expect(api.resolve("https://bucket.s3.amazonaws.com/x?X-Amz-Signature=1")).toBe("https://bucket.s3.amazonaws.com/x?X-Amz-Signature=1");
    await api.fetch(api.resolve("/api/videos/v/upload"), { method: "PUT" });
    await api.fetch("https://bucket.s3.amazonaws.com/x?X-Amz-Signature=1", { method: "PUT" });
    expect(seen.map((s) => s.authorization)).toEqual([`Bearer ${TOKEN}`, null]);
  });

  it("forgets a refused token when the user gives none, and shows the API's error", async () => {
    localStorage.setItem(TOKEN_STORAGE_KEY, "stale-token-0123456789");
    const { fetch } = server();
    const asked: boolean[] = [];
    const api = createApiClient({ baseUrl: "http://localhost:3000/api", fetch, askToken: (invalid) => (asked.push(invalid), undefined) });
    await expect(api.listVideos()).rejects.toMatchObject({ status: 401, code: "auth.invalid", message: "The access token is wrong." });
    expect(asked).toEqual([true]);
    expect(localStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull();
    expect(localTokenStore().get()).toBeUndefined();
  });
});
