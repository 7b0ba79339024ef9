import { createHash } from "node:crypto";
import { appendFile, readFile, rm } from "node:fs/promises";
import path from "node:path";
import type { UploadedPart, UploadTarget } from "@vos/contract";
import { z } from "zod";
import { configDir, privateDir, readJson, writePrivateJson } from "../config-dir.js";

/** The same file (path, size, modification time) sent to the same API. */
export interface Fingerprint {
  path: string;
  size: number;
  mtimeMs: number;
  apiUrl: string;
}

const targetSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("put"), method: z.literal("PUT"), url: z.string(), headers: z.record(z.string(), z.string()), chunkBytes: z.number().int().positive() }),
  z.object({
    kind: z.literal("multipart"),
    uploadId: z.string(),
    partBytes: z.number().int().positive(),
    parts: z.array(z.object({ partNumber: z.number().int().positive(), url: z.string() })),
  }),
]);
const recordSchema = z.object({
  fingerprint: z.object({ path: z.string(), size: z.number(), mtimeMs: z.number(), apiUrl: z.string() }),
  videoId: z.string().min(1),
  target: targetSchema,
  /** When the target's URLs were issued (presigned URLs expire), ms since the epoch. */
  targetIssuedAt: z.number(),
  createdAt: z.number(),
});
export type ResumeRecord = z.infer<typeof recordSchema>;

/** An unfinished upload found again: its record and the ETags of the parts S3 already stored. */
export interface Unfinished {
  record: ResumeRecord;
  stored: UploadedPart[];
}

/**
 * Unfinished uploads, one record per file fingerprint in the user's config folder, so running
 * `vos ingest` again after a kill continues the same video. The record is written once (and again
 * when the URLs are renewed); each stored part's ETag is appended as a line of its own file, so a
 * 10,000-part upload never rewrites a large file, and a line torn by a kill is simply ignored.
 */
export function createResumeStore(env: NodeJS.ProcessEnv = process.env) {
  const dir = path.join(configDir(env), "uploads");
  const base = (fp: Fingerprint) => path.join(dir, createHash("sha256").update(JSON.stringify([fp.path, fp.size, fp.mtimeMs, fp.apiUrl])).digest("hex").slice(0, 32));
  const same = (a: Fingerprint, b: Fingerprint) => a.path === b.path && a.size === b.size && a.mtimeMs === b.mtimeMs && a.apiUrl === b.apiUrl;

  async function write(record: ResumeRecord) {
    await privateDir(path.dirname(dir));
    await privateDir(dir);
    await writePrivateJson(`${base(record.fingerprint)}.json`, record);
  }

  return {
    dir,
    async load(fp: Fingerprint): Promise<Unfinished | undefined> {
      const parsed = recordSchema.safeParse(await readJson(`${base(fp)}.json`));
      if (!parsed.success || !same(parsed.data.fingerprint, fp)) return undefined;
      const lines = await readFile(`${base(fp)}.parts`, "utf8").catch(() => "");
      const byNumber = new Map<number, string>();
      for (const line of lines.split("\n")) {
        try {
          const part = JSON.parse(line) as UploadedPart;
          if (Number.isInteger(part.partNumber) && typeof part.etag === "string" && part.etag) byNumber.set(part.partNumber, part.etag);
        } catch {
          // a line cut short by a kill: that part is sent again
        }
      }
      return { record: parsed.data, stored: [...byNumber].map(([partNumber, etag]) => ({ partNumber, etag })) };
    },
    /** A new upload: its record, and no parts yet. */
    async begin(fingerprint: Fingerprint, videoId: string, target: UploadTarget): Promise<ResumeRecord> {
      const record = { fingerprint, videoId, target, targetIssuedAt: Date.now(), createdAt: Date.now() };
      await rm(`${base(fingerprint)}.parts`, { force: true });
      await write(record);
      return record;
    },
    async renewed(record: ResumeRecord, target: UploadTarget): Promise<ResumeRecord> {
      const next = { ...record, target, targetIssuedAt: Date.now() };
      await write(next);
      return next;
    },
    async partStored(fp: Fingerprint, part: UploadedPart): Promise<void> {
      await appendFile(`${base(fp)}.parts`, JSON.stringify(part) + "\n", { mode: 0o600 });
    },
    async remove(fp: Fingerprint): Promise<void> {
      await Promise.all([rm(`${base(fp)}.json`, { force: true }), rm(`${base(fp)}.parts`, { force: true })]);
    },
  };
}

export type ResumeStore = ReturnType<typeof createResumeStore>;
