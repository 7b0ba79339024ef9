import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, rmdir, stat } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { randomBytes } from "node:crypto";
import { DATA_FOLDER_HINT, storageFull } from "../error.js";
import { BlobTooLarge, type BlobInfo, type BlobStore } from "./blob-store.js";

/**
 * Any key S3 would take (spaces, any Unicode: a drop folder's file names) except what could
 * leave the root or name no file: empty, `.` or `..` segments, NUL, and `\` (Windows' separator).
 */
const isSafeKey = (key: string) => key.length > 0 && !/[\0\\]/.test(key) && key.split("/").every((part) => part !== "" && part !== "." && part !== "..");

/** `list` and `deletePrefix` take a folder: `a/b` means `a/b/`, never `a/bc`. */
const folderOf = (prefix: string) => (prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`);

/** Temporary files of writes in progress: `<key>.<random>.partial`. */
const PARTIAL = /\.[0-9a-f]{12}\.partial$/;

/**
 * Blobs as files under one root folder. Writes go to a temporary file renamed into place, so a
 * crash or an oversized upload never leaves a partial object. `publicUrl` maps a key to the
 * local API route that serves it. A full disk fails a write with `storage.full` naming the folder.
 */
export function createFileBlobStore(root: string, publicUrl: (key: string) => string): BlobStore {
  const fileOf = (key: string) => {
    if (!isSafeKey(key)) throw new Error(`invalid blob key: ${key}`);
    return path.join(root, key);
  };

  return {
    async put(key, body, options = {}) {
      const file = fileOf(key);
      const temp = `${file}.${randomBytes(6).toString("hex")}.partial`;
      let size = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          if (options.maxBytes !== undefined && size > options.maxBytes) done(new BlobTooLarge(options.maxBytes));
          else done(null, chunk);
        },
      });
      const source = body instanceof Uint8Array ? Readable.from([body]) : body;
      try {
        await mkdir(path.dirname(file), { recursive: true });
        await pipeline(source, counter, createWriteStream(temp));
        await rename(temp, file);
      } catch (error) {
        await rm(temp, { force: true });
        throw storageFull(error, { path: root, hint: DATA_FOLDER_HINT }) ?? error;
      }
      return { size, ...(options.contentType ? { contentType: options.contentType } : {}) };
    },
    async get(key, range) {
      const file = fileOf(key);
      await stat(file);
      return createReadStream(file, range ? { start: range.start, ...(range.end !== undefined ? { end: range.end } : {}) } : {});
    },
    async stat(key): Promise<BlobInfo | undefined> {
      try {
        const info = await stat(fileOf(key));
        return info.isFile() ? { size: info.size } : undefined;
      } catch {
        return undefined;
      }
    },
    async delete(key) {
      await rm(fileOf(key), { force: true });
    },
    async deletePrefix(prefix) {
      const keys = await this.list(prefix);
      await Promise.all(keys.map((key) => rm(fileOf(key), { force: true })));
      // Remove the folder itself, so nothing empty is left behind.
      const folder = folderOf(prefix).slice(0, -1);
      if (folder) await rm(fileOf(folder), { recursive: true, force: true }).catch(() => {});
      return keys.length;
    },
    async list(prefix) {
      const folder = folderOf(prefix);
      const start = folder ? fileOf(folder.slice(0, -1)) : root;
      const keys: string[] = [];
      const walk = async (dir: string): Promise<void> => {
        let entries;
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch {
          return;
        }
        for (const entry of entries) {
          const full = path.join(dir, entry.name);
          if (entry.isDirectory()) await walk(full);
          else if (!PARTIAL.test(entry.name)) keys.push(path.relative(root, full).split(path.sep).join("/"));
        }
      };
      await walk(start);
      return keys.sort();
    },
    async source(key) {
      const file = fileOf(key);
      if (!(await this.stat(key))) throw new Error(`no file for ${key}`);
      return file;
    },
    async url(key) {
      fileOf(key);
      return publicUrl(key);
    },
  };
}

/**
 * Deletes the temporary files of writes that never finished (a process killed mid-upload: a
 * whole-file PUT or a chunk). Only safe while no write is in progress: the embedded runtime calls
 * it at start-up, under the data-folder lock. Returns what was removed, relative to `root`.
 */
export async function removeStalePartials(root: string): Promise<string[]> {
  const removed: string[] = [];
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile() || !PARTIAL.test(entry.name)) continue;
    const file = path.join(entry.parentPath, entry.name);
    await rm(file, { force: true });
    removed.push(path.relative(root, file).split(path.sep).join("/"));
  }
  return removed.sort();
}

/**
 * Deletes the files under `folder` (a key prefix) last written more than `maxAgeMs` ago, and the
 * folders that leaves empty: what an S3 lifecycle expiration rule does for a bucket. Returns how
 * many files went.
 */
export async function removeOlderThan(root: string, folder: string, maxAgeMs: number, now = Date.now()): Promise<number> {
  const top = path.join(root, folder);
  const entries = await readdir(top, { recursive: true, withFileTypes: true }).catch(() => []);
  let removed = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const info = await stat(file).catch(() => undefined);
    if (!info || now - info.mtimeMs <= maxAgeMs) continue;
    await rm(file, { force: true });
    removed++;
  }
  // Deepest first, so a folder emptied by its children goes too; rmdir refuses one still holding files.
  const folders = entries.filter((entry) => entry.isDirectory()).map((entry) => path.join(entry.parentPath, entry.name));
  for (const dir of folders.sort((a, b) => b.length - a.length)) await rmdir(dir).catch(() => {});
  return removed;
}
