/** The one failure policy of a job, and the structured code its row keeps. */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { afterAll, describe, expect, it } from "vitest";
import { StorageFull, VisibleError } from "../src/error.js";
import * as Job from "../src/job/index.js";
import { MIGRATIONS_FOLDER } from "../src/db/migrate.js";

describe("what a failed attempt means", () => {
  it("reads bad input as permanent, a full disk and anything else as worth another attempt", () => {
    expect(Job.failureOf(new VisibleError("media.not_a_video", "not a video", 415))).toEqual({ code: "media.not_a_video", message: "not a video", permanent: true, badInput: true });
    expect(Job.failureOf(new VisibleError("vector.unavailable", "Pinecone is away", 503, false))).toMatchObject({ code: "vector.unavailable", permanent: false, badInput: false });
    const full = Job.failureOf(new Error("write failed", { cause: new StorageFull("The disk is full.") }));
    expect(full).toMatchObject({ code: "storage.full", permanent: false, badInput: false });
    expect(Job.failureOf(new TypeError("boom"))).toEqual({ code: "pipeline.error", message: "boom", permanent: false, badInput: false });
  });

  it("fails now, gives up when the attempts are used, else retries later and later", () => {
    const permanent = Job.failureOf(new VisibleError("media.too_long", "too long", 413));
    expect(Job.nextStep({ attempts: 1, maxAttempts: 3 }, permanent)).toEqual({ kind: "fail", failure: permanent });
    const stopped = Job.stopped("OutOfMemoryError: Container killed");
    expect(Job.nextStep({ attempts: 3, maxAttempts: 3 }, stopped)).toEqual({
      kind: "fail",
      failure: { code: Job.GAVE_UP, message: "Gave up after 3 attempts; last error: OutOfMemoryError: Container killed", permanent: true, badInput: false },
    });
    expect([1, 2, 3, 10].map((attempts) => Job.nextStep({ attempts, maxAttempts: 20 }, stopped))).toEqual(
      [5, 10, 20, 300].map((delaySec) => ({ kind: "retry", delaySec, failure: stopped })),
    );
  });
});

describe("the failed job's code", () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it("is a column, filled in for jobs that failed before it existed", async () => {
    // The migrations as they were before the column, applied to a database with failed jobs.
    const before = await mkdtemp(path.join(tmpdir(), "vos-migrations-"));
    dirs.push(before);
    await cp(MIGRATIONS_FOLDER, before, { recursive: true });
    const journalFile = path.join(before, "meta", "_journal.json");
    const journal = JSON.parse(await readFile(journalFile, "utf8")) as { entries: { tag: string }[] };
    // From 0004 on: the column's migration and every later one.
    const added = journal.entries.filter((entry) => entry.tag >= "0004_");
    journal.entries = journal.entries.filter((entry) => !added.includes(entry));
    await writeFile(journalFile, JSON.stringify(journal));
    for (const entry of added) await rm(path.join(before, `${entry.tag}.sql`));

    const pg = await PGlite.create();
    try {
      const db = drizzle(pg);
      await migrate(db, { migrationsFolder: before });
      await pg.exec(`
        INSERT INTO video (id, tenant_id, title, filename, content_type, status, size_bytes, blob_key) VALUES ('vid_1', 't', 'a', 'a.mp4', 'video/mp4', 'failed', 1, 'k');
        INSERT INTO job (id, tenant_id, video_id, kind, status, max_attempts, progress, last_error) VALUES
          ('job_gave_up', 't', 'vid_1', 'ingest', 'failed', 3, '{}', 'job.gave_up: Gave up after 3 attempts; last error: task stopped: exit 1'),
          ('job_bad', 't', 'vid_1', 'ingest', 'failed', 3, '{}', 'media.not_a_video: The file is not a video.'),
          ('job_waiting', 't', 'vid_1', 'ingest', 'queued', 3, '{}', 'transient: try again');
      `);
      await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
      const rows = await pg.query<{ id: string; error_code: string | null; run_id: string; segment: number }>("SELECT id, error_code, run_id, segment FROM job ORDER BY id");
      // Each earlier job is the whole of its own run (0005_segments).
      expect(rows.rows).toEqual([
        { id: "job_bad", error_code: "media.not_a_video", run_id: "job_bad", segment: 0 },
        { id: "job_gave_up", error_code: "job.gave_up", run_id: "job_gave_up", segment: 0 },
        { id: "job_waiting", error_code: null, run_id: "job_waiting", segment: 0 },
      ]);
    } finally {
      await pg.close();
    }
  });
});
