/**
 * A new embedded database starts from a copy of an empty, migrated one instead of running
 * PostgreSQL's initdb and every migration again: about 0.8 s instead of 2.5-3.5 s on two cores,
 * for every new data folder (the first `npm start`, each test's throwaway runtime). The copy is a
 * PGlite dump kept in the system's temporary folder, named by what makes it valid: the PGlite and
 * pgvector versions and the migrations' contents. Beside it sits the same database as a closed
 * folder: a new data folder is a file copy of that (about 0.3 s of CPU), which saves PGlite
 * reading the 40 MB dump into memory and writing it out file by file through its WebAssembly
 * file system (about 1 s). A database in memory loads the dump. Any trouble with either
 * (unreadable, unwritable, stale or corrupt) costs only the time it would have saved.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { isStorageFull } from "../error.js";
import { log } from "../log.js";
import { extractTar } from "./tar.js";
import { MIGRATIONS_FOLDER } from "./migrate.js";

const PACKAGES = ["@electric-sql/pglite", "@electric-sql/pglite-pgvector"];

/** Where templates are kept (VOS_DB_TEMPLATE_DIR, else the system's temporary folder); "off" turns them off. */
export function templateFolder(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const setting = env.VOS_DB_TEMPLATE_DIR?.trim();
  if (setting === "off") return undefined;
  return setting || path.join(os.tmpdir(), "vos-pglite-templates");
}

/** The template's file for this PGlite, pgvector and set of migrations. */
export function templateFile(folder: string): string {
  const hash = createHash("sha256");
  const require = createRequire(import.meta.url);
  for (const name of PACKAGES) hash.update(`${name}@${versionOf(require.resolve(name), name)}\n`);
  for (const file of fs.readdirSync(MIGRATIONS_FOLDER, { recursive: true, encoding: "utf8" }).sort()) {
    const full = path.join(MIGRATIONS_FOLDER, file);
    if (fs.statSync(full).isFile()) hash.update(file).update(fs.readFileSync(full));
  }
  return path.join(folder, `empty-${hash.digest("hex").slice(0, 16)}.tar`);
}

/** The version in the package.json above a package's resolved entry. */
function versionOf(entry: string, name: string): string {
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (!fs.existsSync(manifest)) continue;
    const json = JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string; version?: string };
    if (json.name === name) return json.version ?? "unknown";
  }
  return "unknown";
}

/** A data folder that holds no database yet (absent or empty): only such a folder starts from the template. */
export function isNewFolder(dataDir: string | undefined): boolean {
  if (!dataDir) return true;
  try {
    return fs.readdirSync(dataDir).length === 0;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
}

/** The template's bytes, or undefined when there is none (or it cannot be read). */
export function readTemplate(file: string): Blob | undefined {
  try {
    return new Blob([fs.readFileSync(file)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") log.debug("database template unreadable", { file, error });
    return undefined;
  }
}

/** Keeps a dump as the template, whole or not at all (written aside, then renamed into place). */
export async function saveTemplate(file: string, dump: () => Promise<Blob>): Promise<void> {
  const partial = `${file}.${process.pid}.partial`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(partial, new Uint8Array(await (await dump()).arrayBuffer()));
    fs.renameSync(partial, file);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    log.debug("database template not saved", { file, error });
  }
}

/** Drops a template that failed to load (and its folder copy), so the next new folder makes a sound one. */
export function dropTemplate(file: string): void {
  fs.rmSync(file, { force: true });
  fs.rmSync(templateFolderCopy(file), { recursive: true, force: true });
}

/** Drops a folder template that failed to open; its dump is tried next. */
export function dropTemplateFolder(file: string): void {
  fs.rmSync(templateFolderCopy(file), { recursive: true, force: true });
}

/** The template as a closed database folder, beside its dump. */
export const templateFolderCopy = (file: string): string => file.replace(/\.tar$/, ".db");

/**
 * Copies the folder template to `dataDir` (absent or empty), whole or not at all: into a folder
 * beside it, renamed into place. False when there is no folder template or the copy failed (the
 * caller starts from the dump instead); a full disk is thrown.
 */
export function copyTemplateFolder(file: string, dataDir: string): boolean {
  const template = templateFolderCopy(file);
  if (!fs.existsSync(path.join(template, "PG_VERSION"))) return false;
  const partial = `${dataDir}.${process.pid}.partial`;
  try {
    fs.cpSync(template, partial, { recursive: true });
    if (fs.existsSync(dataDir)) fs.rmdirSync(dataDir); // empty (a new folder): anything else fails here
    fs.renameSync(partial, dataDir);
    return true;
  } catch (error) {
    fs.rmSync(partial, { recursive: true, force: true });
    if (isStorageFull(error)) throw error;
    log.debug("database folder template not copied", { template, dataDir, error });
    return false;
  }
}

/**
 * Makes the folder template from the dump, once: the dump's files written into a folder of its
 * own (db/tar.ts; about 0.3 s, where opening it in PGlite took 2 s), then renamed into place (a
 * folder another process put there first is kept). A folder that does not open later is dropped.
 */
export function saveTemplateFolder(file: string): void {
  const template = templateFolderCopy(file);
  if (fs.existsSync(template)) return;
  const partial = `${template}.${process.pid}.partial`;
  try {
    extractTar(fs.readFileSync(file), partial);
    fs.renameSync(partial, template);
  } catch (error) {
    log.debug("database folder template not saved", { template, error });
  } finally {
    fs.rmSync(partial, { recursive: true, force: true });
  }
}
