/**
 * Pictures searched for are kept by content, per tenant, for a week after they were last sent:
 * the embedded runtime sweeps the older ones at start (as the S3 lifecycle rule does on AWS).
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../scripts/seeded-random.js";
import { removeOlderThan } from "../src/blob/index.js";
import { loadConfig } from "../src/config.js";
import { startEmbeddedRuntime } from "../src/runtime/embedded/embedded.js";
import { keepQueryPicture, keptForm, loadQueryPicture, QUERY_PICTURE_DAYS } from "../src/search/query-pictures.js";

const scratch = await mkdtemp(path.join(tmpdir(), "vos-query-pictures-"));
afterAll(() => rm(scratch, { recursive: true, force: true }));

const DAY_MS = 24 * 3600 * 1000;
const red = () => sharp({ create: { width: 64, height: 48, channels: 3, background: "#d02020" } }).png().toBuffer();

/** A file written `ageDays` ago. */
async function fileAged(file: string, ageDays: number) {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, "picture");
  const when = new Date(Date.now() - ageDays * DAY_MS);
  await utimes(file, when, when);
}

describe("removeOlderThan", () => {
  it("removes the files under the folder older than the age and the folders that leaves empty, and nothing else", async () => {
    const root = path.join(scratch, "sweep");
    await fileAged(path.join(root, "_queries/acme/old/picture.jpg"), 8);
    await fileAged(path.join(root, "_queries/acme/new/picture.jpg"), 6);
    await fileAged(path.join(root, "_queries/bolt/old/picture.png"), 30);
    await fileAged(path.join(root, "acme/videos/v1/source"), 400);
    expect(await removeOlderThan(root, "_queries", 7 * DAY_MS)).toBe(2);
    expect(existsSync(path.join(root, "_queries/acme/new/picture.jpg"))).toBe(true);
    expect(existsSync(path.join(root, "_queries/acme/old"))).toBe(false);
    expect(existsSync(path.join(root, "_queries/bolt"))).toBe(false);
    // Outside the folder nothing is touched, however old.
    expect(existsSync(path.join(root, "acme/videos/v1/source"))).toBe(true);
    expect(await removeOlderThan(path.join(scratch, "absent"), "_queries", DAY_MS)).toBe(0);
  });
});

describe("the kept form of a picture", () => {
  it("is the picture as a search decodes it, as a JPEG: at most 448 px on its short side and 4:1, whatever was sent", async () => {
    const random = mulberry32(3);
    const noise = Buffer.alloc(4000 * 3000 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(random() * 256);
    const photo = await sharp(noise, { raw: { width: 4000, height: 3000, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
    const strip = await sharp({ create: { width: 3000, height: 200, channels: 3, background: "#2060d0" } }).tiff().toBuffer();
    for (const [sent, size] of [[photo, { width: 597, height: 448 }], [strip, { width: 800, height: 200 }]] as const) {
      const kept = await keptForm(sent);
      expect(await sharp(kept).metadata()).toMatchObject({ format: "jpeg", ...size });
      expect(kept.length).toBeLessThan(500_000);
    }
    expect(photo.length).toBeGreaterThan(3_000_000);
    await expect(keptForm(Buffer.from("not a picture"))).rejects.toMatchObject({ code: "image.invalid" });
  });
});

describe("pictures searched for, in the embedded runtime", () => {
  it("sweeps the expired ones at start, keeps each picture once by its content, and finds it again for its tenant only", async () => {
    const dataDir = path.join(scratch, "data");
    const blobs = path.join(dataDir, "blobs");
    await fileAged(path.join(blobs, `_queries/local/${"a".repeat(64)}/picture.jpg`), QUERY_PICTURE_DAYS + 1);
    await fileAged(path.join(blobs, `_queries/local/${"b".repeat(64)}/picture.jpg`), QUERY_PICTURE_DAYS - 1);
    const runtime = await startEmbeddedRuntime(loadConfig({ VOS_DATA_DIR: dataDir, VOS_LOG_LEVEL: "error" }), { workers: false });
    try {
      expect(await readdir(path.join(blobs, "_queries/local"))).toEqual(["b".repeat(64)]);
      const svc = runtime.services;
      const picture = await keptForm(await red());
      const id = createHash("sha256").update(picture).digest("hex");
      const kept = await keepQueryPicture(svc, "local", picture);
      expect(kept).toEqual({ id, url: `/api/files/_queries/local/${id}/picture.jpg` });
      // The same picture sent again is the same file, written again (its week starts afresh).
      expect(await keepQueryPicture(svc, "local", await keptForm(await red()))).toEqual(kept);
      expect(await svc.blobs.list(`_queries/local/${id}/`)).toEqual([`_queries/local/${id}/picture.jpg`]);
      const loaded = await loadQueryPicture(svc, "local", id);
      expect(Buffer.from(loaded.bytes).equals(picture)).toBe(true);
      expect(loaded.picture).toEqual(kept);
      for (const [tenant, unknown] of [["other", id], ["local", "c".repeat(64)]] as const) {
        await expect(loadQueryPicture(svc, tenant, unknown)).rejects.toMatchObject({ code: "search.picture_expired", status: 404 });
      }
    } finally {
      await runtime.close();
    }
  });
});
