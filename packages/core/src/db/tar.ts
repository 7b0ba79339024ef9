/**
 * Writes the files of a plain ustar archive (PGlite's dump of a data folder: regular files and
 * folders only) into `dir`. Anything else in it (links, long-name records) and any path that
 * would land outside `dir` is refused: the caller falls back to loading the dump in PGlite.
 */
import fs from "node:fs";
import path from "node:path";

const BLOCK = 512;

const field = (header: Buffer, start: number, length: number) => {
  const raw = header.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString("utf8");
};

export function extractTar(archive: Buffer, dir: string): void {
  const root = path.resolve(dir);
  fs.mkdirSync(root, { recursive: true });
  for (let at = 0; at + BLOCK <= archive.length; ) {
    const header = archive.subarray(at, at + BLOCK);
    if (header.every((byte) => byte === 0)) return; // the end: two empty blocks
    if (field(header, 257, 5) !== "ustar") throw new Error(`not a ustar archive at byte ${at}`);
    const prefix = field(header, 345, 155);
    const name = (prefix ? `${prefix}/` : "") + field(header, 0, 100);
    const size = Number.parseInt(field(header, 124, 12).trim() || "0", 8);
    const type = field(header, 156, 1) || "0";
    const target = path.resolve(root, name.replace(/^\/+/, ""));
    if (target !== root && !target.startsWith(root + path.sep)) throw new Error(`archive entry outside the folder: ${name}`);
    if (!Number.isFinite(size) || size < 0 || at + BLOCK + size > archive.length) throw new Error(`archive entry ${name} is cut short`);
    if (type === "5") fs.mkdirSync(target, { recursive: true });
    else if (type === "0") {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, archive.subarray(at + BLOCK, at + BLOCK + size));
    } else throw new Error(`archive entry ${name} of type '${type}' is not a file or folder`);
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  throw new Error("the archive ends without its end blocks: cut short");
}
