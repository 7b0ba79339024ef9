/**
 * Picture shrinking without a browser: the size math, the sent file's name, the store sending the
 * prepared picture (once per picture, however often it is retried), a picture the server keeps
 * searched again by its id instead of sent, and the message for a
 * gateway that refuses a body before the API sees it. The shrinking itself runs in Chromium in
 * browser-picture-search.e2e.test.ts.
 */
import { describe, expect, it } from "vitest";
import { ApiError, createApiClient } from "../src/api/client";
import type { SearchFilters } from "../src/api/types";
import { fitWithin, jpegName, MAX_SIDE } from "../src/search/shrink";
import { createSearchStore } from "../src/search/store";

describe("fitWithin", () => {
  it.each([
    ["a 12-megapixel landscape photo", { width: 4000, height: 3000 }, { width: 1024, height: 768 }],
    ["the same photo turned upright", { width: 3000, height: 4000 }, { width: 768, height: 1024 }],
    ["a square", { width: 2048, height: 2048 }, { width: 1024, height: 1024 }],
    ["a panorama, rounded to whole pixels", { width: 12000, height: 1001 }, { width: 1024, height: 85 }],
    ["exactly the limit", { width: 1024, height: 600 }, { width: 1024, height: 600 }],
    ["one pixel over", { width: 1025, height: 1025 }, { width: 1024, height: 1024 }],
    ["a small picture, never enlarged", { width: 320, height: 240 }, { width: 320, height: 240 }],
    ["a thread-thin strip keeps one pixel", { width: 100000, height: 10 }, { width: 1024, height: 1 }],
  ])("%s", (_, size, expected) => {
    expect(fitWithin(size)).toEqual(expected);
  });

  it("keeps the aspect ratio within a pixel and the longest side at most the limit", () => {
    for (const [width, height] of [
      [4000, 3000],
      [1920, 1080],
      [1080, 1920],
      [4032, 3024],
      [6000, 4000],
      [1500, 1499],
    ] as const) {
      const fitted = fitWithin({ width, height });
      expect(Math.max(fitted.width, fitted.height)).toBe(MAX_SIDE);
      expect(Math.abs(fitted.width - (fitted.height * width) / height)).toBeLessThanOrEqual(1);
    }
  });

  it("takes another limit", () => {
    expect(fitWithin({ width: 4000, height: 3000 }, 224)).toEqual({ width: 224, height: 168 });
  });

  it("refuses a picture without a size", () => {
    expect(() => fitWithin({ width: 0, height: 100 })).toThrow(RangeError);
    expect(() => fitWithin({ width: Number.NaN, height: 100 })).toThrow(RangeError);
  });
});

describe("jpegName", () => {
  it.each([
    ["IMG_0042.HEIC", "IMG_0042.jpg"],
    ["holiday.photo.png", "holiday.photo.jpg"],
    ["scan", "scan.jpg"],
    ["", "picture.jpg"],
    ["pasted image", "pasted image.jpg"],
    [".png", "picture.jpg"],
  ])("%s -> %s", (name, expected) => {
    expect(jpegName(name)).toBe(expected);
  });
});

describe("search store with a picture", () => {
  it("sends the prepared picture, and prepares each picture once however often it is sent", async () => {
    const sent: Blob[] = [];
    const api = {
      searchText: async () => ({ hits: [], modelMismatch: null }),
      searchKeptPicture: async () => ({ hits: [], modelMismatch: null }),
      searchImage: async (image: Blob, _filters?: SearchFilters) => {
        sent.push(image);
        return { hits: [], modelMismatch: null };
      },
    };
    const prepared: string[] = [];
    const store = createSearchStore(api, {
      prepareImage: async (image, name) => {
        prepared.push(name);
        return new File([await image.arrayBuffer()], "small.jpg", { type: "image/jpeg" });
      },
    });
    const original = new File(["original bytes"], "big.png", { type: "image/png" });
    await store.search({ kind: "image", image: original, name: original.name });
    await store.retry();
    await store.retry({ kinds: ["frame"] });
    expect(prepared).toEqual(["big.png"]);
    expect(sent).toHaveLength(3);
    expect(sent.every((blob) => blob === sent[0])).toBe(true);
    expect(sent[0]).toMatchObject({ name: "small.jpg", type: "image/jpeg" });
    expect(store.getSnapshot()).toMatchObject({ status: "done", query: { image: original } });
  });
});

describe("a picture the server keeps", () => {
  it("is searched again by its id (a new filter, a retry), and sent again only once the server no longer keeps it", async () => {
    const picture = { id: "ab".repeat(32), url: "/api/files/_queries/local/x/picture.jpg" };
    const calls: string[] = [];
    let kept = true;
    const api = {
      searchText: async () => ({ hits: [], modelMismatch: null }),
      searchImage: async () => (calls.push("sent"), { hits: [], modelMismatch: null, picture }),
      searchKeptPicture: async (id: string, filters: SearchFilters) => {
        calls.push(`by id ${id === picture.id} ${filters.kinds?.join() ?? "all"}`);
        if (!kept) throw new ApiError("search.picture_expired", "No picture with this id is kept.", 404);
        return { hits: [], modelMismatch: null, picture };
      },
    };
    const store = createSearchStore(api, { prepareImage: async (image) => image });
    const original = new File(["picture bytes"], "red.png", { type: "image/png" });
    await store.search({ kind: "image", image: original, name: original.name });
    await store.retry({ kinds: ["frame"] });
    kept = false;
    await store.retry();
    // A retry keeps the filters of the search before it.
    expect(calls).toEqual(["sent", "by id true frame", "by id true frame", "sent"]);
    expect(store.getSnapshot()).toMatchObject({ status: "done", query: { image: original }, picture });
  });
});

describe("a picture the gateway refuses", () => {
  const clientAnswering = (response: () => Response) =>
    createApiClient({ baseUrl: "http://api.example/api", fetch: async () => response(), tokens: { get: () => undefined, set: () => {} } });
  const picture = new File([new Uint8Array(5_200_000)], "scan.tiff", { type: "image/tiff" });

  it("says the picture is too large, with its size, when a proxy answers 413 without the API's body", async () => {
    const api = clientAnswering(() => new Response("<html><body>Request Entity Too Large</body></html>", { status: 413, statusText: "Request Entity Too Large" }));
    await expect(api.searchImage(picture)).rejects.toMatchObject({
      status: 413,
      code: "image.too_large",
      message: "The picture is 5.2 MB, too large for the server to receive. Send a smaller picture.",
    });
  });

  it("shows the API's own 413 answer as it is", async () => {
    const message = "The picture is 5 MB; the limit here is 4 MB. Send a smaller picture (the web app and vos search --image shrink pictures to 1024 px before sending).";
    const api = clientAnswering(() => Response.json({ code: "image.too_large", message }, { status: 413 }));
    await expect(api.searchImage(picture)).rejects.toMatchObject({ status: 413, code: "image.too_large", message });
  });
});
