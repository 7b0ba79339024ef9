/**
 * A new embedded database starts from the empty template (db/pglite-template.ts); an existing
 * one never does; a bad template costs only time.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { setLogSink } from "../src/log.js";
import { openPglite } from "../src/db/pglite.js";
import { templateFile, templateFolderCopy } from "../src/db/pglite-template.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "vos-template-test-"));
const templates = path.join(root, "templates");
const saved = process.env.VOS_DB_TEMPLATE_DIR;
let count = 0;
const newFolder = () => path.join(root, `db-${++count}`);
const tables = async (handle: Awaited<ReturnType<typeof openPglite>>) =>
  (await handle.sql.query<{ name: string }>("select tablename as name from pg_tables where schemaname = 'public' order by 1")).map((row) => row.name);

beforeEach(() => {
  process.env.VOS_DB_TEMPLATE_DIR = templates;
});
/** No template yet. Making one runs Postgres's initdb, about 6 s of CPU: only the tests that must start without one do. */
const withoutTemplate = () => fs.rmSync(templates, { recursive: true, force: true });
/** The template the first test made, before it was marked: later tests start from it when they may. */
let plain: Buffer | undefined;
afterEach(() => {
  if (saved === undefined) delete process.env.VOS_DB_TEMPLATE_DIR;
  else process.env.VOS_DB_TEMPLATE_DIR = saved;
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/**
 * Replaces the template with one that has a table of its own, to tell which databases came from
 * it: its dump; the next new folder makes the folder form from it.
 */
async function markedTemplate(): Promise<void> {
  const marked = await openPglite(undefined);
  await marked.sql.query("create table from_template (id int)");
  const dump = await marked.pg.dumpDataDir("none");
  await marked.close();
  fs.writeFileSync(templateFile(templates), new Uint8Array(await dump.arrayBuffer()));
  fs.rmSync(templateFolderCopy(templateFile(templates)), { recursive: true, force: true });
}
const captureLog = () => {
  const lines: string[] = [];
  setLogSink((line) => lines.push(line));
  return { lines, restore: () => setLogSink((line) => process.stderr.write(`${line}\n`)) };
};

describe("the empty database template", () => {
  it("is made by the first new database, and every later new one starts from it, migrated and persisted", async () => {
    withoutTemplate();
    const first = await openPglite(newFolder());
    const schema = await tables(first);
    expect(schema).toEqual(expect.arrayContaining(["video", "job", "frame"]));
    await first.close();
    expect(fs.existsSync(templateFile(templates))).toBe(true);
    plain = fs.readFileSync(templateFile(templates));

    await markedTemplate();
    const folder = newFolder();
    const second = await openPglite(folder);
    expect(await tables(second)).toEqual([...schema, "from_template"].sort());
    await second.sql.query("insert into from_template values (7)");
    await second.close();
    // Persisted in its own folder: reopened, it is the same database, not the template again.
    const reopened = await openPglite(folder);
    expect(await reopened.sql.query("select id from from_template")).toEqual([{ id: 7 }]);
    await reopened.close();
  });

  it("starts a new folder as a copy of its folder form, without reading the dump; a folder form that does not open is dropped", async () => {
    // The new folder of the test before made the folder form, from the marked dump.
    const copy = templateFolderCopy(templateFile(templates));
    expect(fs.existsSync(path.join(copy, "PG_VERSION"))).toBe(true);
    const dump = fs.readFileSync(templateFile(templates));
    fs.writeFileSync(templateFile(templates), "not a dump"); // unreadable: only the copy can give the marked table
    try {
      const folder = newFolder();
      fs.mkdirSync(folder); // an empty folder is a new one too
      const handle = await openPglite(folder);
      expect(await tables(handle)).toContain("from_template");
      await handle.sql.query("insert into from_template values (8)");
      await handle.close();
      // The copy is the folder's own: the template is untouched.
      const fresh = await openPglite(newFolder());
      expect(await fresh.sql.query("select id from from_template")).toEqual([]);
      await fresh.close();
      expect(fs.readdirSync(root).filter((name) => name.endsWith(".partial"))).toEqual([]);
    } finally {
      fs.writeFileSync(templateFile(templates), dump);
    }

    // A damaged folder form: the new database comes from the dump, and the folder form is made again.
    fs.rmSync(path.join(copy, "global"), { recursive: true });
    const log = captureLog();
    const handle = await openPglite(newFolder()).finally(log.restore);
    expect(log.lines.join("\n")).toContain("the empty database folder template did not open");
    expect(await tables(handle)).toContain("from_template");
    await handle.close();
    expect(fs.existsSync(path.join(copy, "global"))).toBe(true);
  });

  it("is never used for a folder that already holds a database", async () => {
    // The folder's database may come from the plain template itself: what matters is the marked one later.
    withoutTemplate();
    if (plain) {
      fs.mkdirSync(templates, { recursive: true });
      fs.writeFileSync(templateFile(templates), plain);
    }
    const folder = newFolder();
    await (await openPglite(folder)).close();
    await markedTemplate();
    const again = await openPglite(folder);
    expect(await tables(again)).not.toContain("from_template");
    await again.close();
  });

  it("is replaced when it does not load, and the database is made afresh", async () => {
    withoutTemplate();
    fs.mkdirSync(templates, { recursive: true });
    fs.writeFileSync(templateFile(templates), "not a dump");
    const log = captureLog();
    const handle = await openPglite(newFolder()).finally(log.restore);
    expect(log.lines.join("\n")).toContain("the empty database template did not load");
    expect(await tables(handle)).toEqual(expect.arrayContaining(["video", "job", "frame"]));
    await handle.close();
    expect(fs.statSync(templateFile(templates)).size).toBeGreaterThan(1024 * 1024);
  });

  it("is neither made nor used when turned off", async () => {
    withoutTemplate();
    process.env.VOS_DB_TEMPLATE_DIR = "off";
    await (await openPglite(newFolder())).close();
    expect(fs.existsSync(templates)).toBe(false);
  });
});
