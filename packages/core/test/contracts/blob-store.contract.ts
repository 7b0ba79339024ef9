/**
 * The BlobStore contract: what the domain relies on from every blob store (the file store, S3).
 * Keys follow the domain's shape (`<tenant>/videos/<id>/source.mp4`, `.../frames/...`), so an
 * adapter that routes keys (S3: uploads and derived files in two buckets) is held to it across
 * its routes. Each test works under a tenant folder of its own.
 *
 * Folder prefixes: `list` and `deletePrefix` take a folder; `a/b` and `a/b/` both mean the
 * folder `a/b/` and never reach `a/bc`. `stat` always gives the size; a content type, where an
 * adapter keeps one, is the one put (the file store keeps none: its files route types by
 * extension).
 *
 * Not covered here: what `url` serves where no test server answers it (the file store's URL is
 * the API's files route, tested with the API); a range starting past the end (S3 refuses it, a
 * file reads nothing; callers check the size first).
 */
import { readFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlobTooLarge, type BlobStore } from "../../src/blob/index.js";
import { brokenBody, bytesOf, unique } from "./support.js";

export interface BlobStoreHarness {
  store: BlobStore;
  /** GETs a URL from `url()` where this process can reach it (S3's presigned GETs). */
  fetchUrl?: (url: string) => Promise<Response>;
  close(): Promise<void>;
}

export function describeBlobStoreContract(name: string, makeAdapter: () => Promise<BlobStoreHarness>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let harness: BlobStoreHarness;
    let store: BlobStore;
    beforeAll(async () => {
      harness = await makeAdapter();
      store = harness.store;
    });
    afterAll(async () => harness?.close());

    const video = (tenant: string, id = "v1") => `${tenant}/videos/${id}/`;
    const text = async (key: string, range?: { start: number; end?: number }) => (await bytesOf(await store.get(key, range))).toString();

    it("puts bytes or a stream and reads them back, whole and by inclusive range", async () => {
      const folder = video(unique("t"));
      expect(await store.put(`${folder}source.mp4`, Buffer.from("movie bytes"), { contentType: "video/mp4" })).toEqual({ size: 11, contentType: "video/mp4" });
      expect(await store.put(`${folder}frames/000001.jpg`, Readable.from([Buffer.from("jp"), Buffer.from("eg")]))).toEqual({ size: 4 });
      expect(await text(`${folder}source.mp4`)).toBe("movie bytes");
      expect(await text(`${folder}source.mp4`, { start: 6, end: 10 })).toBe("bytes");
      expect(await text(`${folder}source.mp4`, { start: 6 })).toBe("bytes");
      expect(await text(`${folder}source.mp4`, { start: 0, end: 0 })).toBe("m");
      expect(await text(`${folder}source.mp4`, { start: 6, end: 1000 })).toBe("bytes");
      expect(await text(`${folder}frames/000001.jpg`)).toBe("jpeg");
    });

    it("stats an object's size (and the content type put, where kept), and nothing for a missing key or a folder", async () => {
      const folder = video(unique("t"));
      await store.put(`${folder}source.mp4`, Buffer.from("12345"), { contentType: "video/mp4" });
      const info = await store.stat(`${folder}source.mp4`);
      expect(info?.size).toBe(5);
      if (info?.contentType !== undefined) expect(info.contentType).toBe("video/mp4");
      expect(await store.stat(`${folder}missing.mp4`)).toBeUndefined();
      await store.put(`${folder}frames/000001.jpg`, Buffer.from("x"));
      expect(await store.stat(`${folder}frames`)).toBeUndefined();
      expect(await store.stat(`${folder}frames/`)).toBeUndefined();
      await expect(store.get(`${folder}missing.mp4`)).rejects.toThrow();
    });

    it("stores an empty body as an empty object", async () => {
      const key = `${video(unique("t"))}source.mp4`;
      expect(await store.put(key, Readable.from([]))).toEqual({ size: 0 });
      expect((await store.stat(key))?.size).toBe(0);
      expect(await text(key)).toBe("");
    });

    it("refuses a body over maxBytes with BlobTooLarge and leaves nothing, and takes one of exactly maxBytes", async () => {
      const folder = video(unique("t"));
      const key = `${folder}source.mp4`;
      const refusal = await store.put(key, Buffer.alloc(11), { maxBytes: 10 }).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(BlobTooLarge);
      expect((refusal as BlobTooLarge).maxBytes).toBe(10);
      const chunks = Array.from({ length: 8 }, () => Buffer.alloc(64 * 1024, 1));
      await expect(store.put(key, Readable.from(chunks), { maxBytes: 200 * 1024 })).rejects.toBeInstanceOf(BlobTooLarge);
      expect(await store.stat(key)).toBeUndefined();
      expect(await store.list(folder)).toEqual([]);
      expect(await store.put(key, Readable.from(chunks), { maxBytes: 8 * 64 * 1024 })).toEqual({ size: 8 * 64 * 1024 });
    });

    it("a write that fails part-way (an error or a premature close) leaves nothing, and keeps the object already there", async () => {
      const folder = video(unique("t"));
      const key = `${folder}source.mp4`;
      await expect(store.put(key, brokenBody(Buffer.alloc(1024, 7), new Error("connection reset")))).rejects.toThrow();
      await expect(store.put(key, brokenBody(Buffer.alloc(1024, 7)))).rejects.toThrow();
      expect(await store.stat(key)).toBeUndefined();
      expect(await store.list(folder)).toEqual([]);
      await store.put(key, Buffer.from("kept"));
      await expect(store.put(key, brokenBody(Buffer.alloc(1024, 7), new Error("connection reset")))).rejects.toThrow();
      await expect(store.put(key, Buffer.alloc(100), { maxBytes: 10 })).rejects.toBeInstanceOf(BlobTooLarge);
      expect(await text(key)).toBe("kept");
      expect(await store.list(folder)).toEqual([key]);
    });

    it("replaces an object whole; writes racing to one key leave one of them whole", async () => {
      const key = `${video(unique("t"))}source.mp4`;
      await store.put(key, Buffer.from("first version"));
      await store.put(key, Buffer.from("second"));
      expect(await text(key)).toBe("second");
      const bodies = ["a".repeat(300_000), "b".repeat(200_000), "c".repeat(100_000)];
      await Promise.all(bodies.map((body) => store.put(key, Readable.from([Buffer.from(body.slice(0, 50_000)), Buffer.from(body.slice(50_000))]))));
      expect(bodies).toContain(await text(key));
    });

    it("lists the keys under a folder, nested ones included, sorted, and never a neighbour folder", async () => {
      const tenant = unique("t");
      const keys = [
        `${video(tenant)}source.mp4`,
        `${video(tenant)}frames/000002.jpg`,
        `${video(tenant)}frames/000001.jpg`,
        `${video(tenant)}objects/000001.0.jpg`,
        `${video(tenant, "v10")}source.mp4`,
        `${video(tenant, "v1-old")}frames/000001.jpg`,
      ];
      for (const key of keys) await store.put(key, Buffer.from("x"));
      const mine = [...keys.slice(0, 4)].sort();
      expect(await store.list(video(tenant))).toEqual(mine);
      expect(await store.list(video(tenant).slice(0, -1))).toEqual(mine);
      expect(await store.list(`${video(tenant)}frames/`)).toEqual([`${video(tenant)}frames/000001.jpg`, `${video(tenant)}frames/000002.jpg`]);
      expect(await store.list(`${tenant}/`)).toEqual([...keys].sort());
      expect(await store.list(`${video(tenant)}nothing/`)).toEqual([]);
    });

    it("deletes a folder (across every place its keys live) and nothing beside it, and says how many", async () => {
      const tenant = unique("t");
      const mine = [`${video(tenant)}source.mp4`, `${video(tenant)}frames/000001.jpg`, `${video(tenant)}objects/000001.0.jpg`, `${video(tenant)}upload/000000000000000`];
      const beside = [`${video(tenant, "v10")}source.mp4`, `${video(tenant, "v1-old")}frames/000001.jpg`];
      for (const key of [...mine, ...beside]) await store.put(key, Buffer.from("x"));
      expect(await store.deletePrefix(`${video(tenant)}frames/`)).toBe(1);
      expect(await store.deletePrefix(video(tenant).slice(0, -1))).toBe(3);
      expect(await store.list(`${tenant}/`)).toEqual([...beside].sort());
      expect(await store.deletePrefix(video(tenant))).toBe(0);
      expect(await store.stat(`${video(tenant, "v10")}source.mp4`)).toMatchObject({ size: 1 });
      await store.put(`${video(tenant)}source.mp4`, Buffer.from("again"));
      expect(await store.list(video(tenant))).toEqual([`${video(tenant)}source.mp4`]);
    });

    it("deletes one key, and deleting a missing key is no error", async () => {
      const folder = video(unique("t"));
      await store.put(`${folder}source.mp4`, Buffer.from("x"));
      await store.put(`${folder}frames/000001.jpg`, Buffer.from("x"));
      await store.delete(`${folder}source.mp4`);
      await store.delete(`${folder}source.mp4`);
      await store.delete(`${folder}never.mp4`);
      expect(await store.list(folder)).toEqual([`${folder}frames/000001.jpg`]);
    });

    it("takes keys with spaces and any Unicode, as a drop folder's file names have", async () => {
      const tenant = unique("t");
      const keys = [`${tenant}/holiday 2024/été à Zürich – 日本 🎬.mp4`, `${tenant}/holiday 2024/a  b.mp4`];
      for (const key of keys) await store.put(key, Buffer.from(key), { contentType: "video/mp4" });
      expect(await store.list(`${tenant}/holiday 2024/`)).toEqual([...keys].sort());
      for (const key of keys) {
        expect(await text(key)).toBe(key);
        expect((await store.stat(key))?.size).toBe(Buffer.byteLength(key));
        const url = await store.url(key);
        expect(url).not.toMatch(/\s/);
        expect(decodeURIComponent(new URL(url, "http://localhost").pathname).endsWith(key)).toBe(true);
      }
      expect(await store.deletePrefix(`${tenant}/holiday 2024`)).toBe(2);
      expect(await store.list(`${tenant}/`)).toEqual([]);
    });

    it("gives a URL that names the key and, where reachable, serves the bytes with their type", async () => {
      const key = `${video(unique("t"))}frames/000001.jpg`;
      await store.put(key, Buffer.from("jpeg bytes"), { contentType: "image/jpeg" });
      const url = await store.url(key);
      expect(decodeURIComponent(new URL(url, "http://localhost").pathname).endsWith(key)).toBe(true);
      if (!harness.fetchUrl) return;
      const response = await harness.fetchUrl(url);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("image/jpeg");
      expect(await response.text()).toBe("jpeg bytes");
    });

    it("gives ffmpeg the object's bytes where it can seek: a local file, or a URL that serves byte ranges", async () => {
      const key = `${video(unique("t"))}source.mp4`;
      await store.put(key, Buffer.from("movie bytes"));
      const source = await store.source(key);
      if (/^https?:\/\//.test(source)) {
        expect(await (await fetch(source)).text()).toBe("movie bytes");
        const part = await fetch(source, { headers: { range: "bytes=6-10" } });
        expect(part.status).toBe(206);
        expect(part.headers.get("content-range")).toBe("bytes 6-10/11");
        expect(await part.text()).toBe("bytes");
      } else {
        expect((await readFile(source)).toString()).toBe("movie bytes");
      }
      await expect(store.source(`${video(unique("t"))}source.mp4`)).rejects.toThrow();
    });
  });
}
