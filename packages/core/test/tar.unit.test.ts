/** Writing a PGlite dump's files to disk (db/tar.ts): files and folders only, never outside the folder. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { extractTar } from "../src/db/tar.js";

/** One ustar entry: a 512-byte header, then the content padded to whole blocks. */
function entry(name: string, type: "0" | "5" | "2", content = ""): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, "utf8");
  header.write("0000644\0", 100);
  header.write(`${Buffer.byteLength(content).toString(8).padStart(11, "0")}\0`, 124);
  header.write(type, 156);
  header.write("ustar\u000000", 257);
  const body = Buffer.alloc(Math.ceil(Buffer.byteLength(content) / 512) * 512);
  body.write(content);
  return Buffer.concat([header, body]);
}
const archive = (...entries: Buffer[]) => Buffer.concat([...entries, Buffer.alloc(1024)]);

const dirs: string[] = [];
const folder = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vos-tar-"));
  dirs.push(dir);
  return path.join(dir, "out");
};
afterEach(() => dirs.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

describe("extractTar", () => {
  it("writes the files and folders of a dump, with their leading slash taken off", () => {
    const out = folder();
    extractTar(archive(entry("/PG_VERSION", "0", "17\n"), entry("/base", "5"), entry("/base/1/112", "0", "x".repeat(700)), entry("/pg_wal", "5")), out);
    expect(fs.readFileSync(path.join(out, "PG_VERSION"), "utf8")).toBe("17\n");
    expect(fs.readFileSync(path.join(out, "base/1/112"), "utf8")).toBe("x".repeat(700));
    expect(fs.statSync(path.join(out, "pg_wal")).isDirectory()).toBe(true);
  });

  it("refuses an entry that would land outside the folder, a link, and a cut archive", () => {
    const out = folder();
    expect(() => extractTar(archive(entry("../escaped", "0", "no")), out)).toThrow("outside the folder");
    expect(fs.existsSync(path.join(out, "..", "escaped"))).toBe(false);
    expect(() => extractTar(archive(entry("/link", "2")), folder())).toThrow("not a file or folder");
    expect(() => extractTar(entry("/base/1/112", "0", "x".repeat(700)).subarray(0, 800), folder())).toThrow("cut short");
    expect(() => extractTar(entry("/PG_VERSION", "0", "17\n"), folder())).toThrow("cut short"); // no end blocks
    expect(() => extractTar(Buffer.from("not a dump".padEnd(600)), folder())).toThrow("not a ustar archive");
  });
});
